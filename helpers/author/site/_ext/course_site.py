"""Sphinx extension of the course site: pages executed on stand-in data say so at the top.

In the quick profile a notebook whose real data are not cached prints a line starting with
``STAND-IN DATA:`` where it loads a stand-in. On the site that line sits in one output among
dozens, so this extension repeats every such line in a warning box under the page title and
marks the output itself; a reader cannot take a stand-in's numbers for the real data's.
"""

from docutils import nodes

BANNER = "STAND-IN DATA:"


def _stand_in_lines(doctree) -> list[str]:
    lines = []
    for block in doctree.findall(nodes.literal_block):
        text = block.astext()
        if BANNER in text:
            block["classes"].append("standin")
            lines += [line.strip() for line in text.splitlines() if BANNER in line]
    return list(dict.fromkeys(lines))


def add_stand_in_banner(app, doctree, docname):
    lines = _stand_in_lines(doctree)
    if not lines:
        return
    banner = nodes.admonition(classes=["warning", "standin-banner"])
    banner += nodes.title(text="Stand-in data")
    banner += nodes.paragraph(text="This page was executed on stand-in data, so its numbers are the stand-in's, "
                                   "not the real data's. The notebook said:")
    items = nodes.bullet_list()
    for line in lines:
        items += nodes.list_item("", nodes.paragraph(text=line))
    banner += items
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, banner)
    else:
        title = next(iter(section.findall(nodes.title)), None)
        section.insert(section.index(title) + 1 if title is not None else 0, banner)


def setup(app):
    app.connect("doctree-resolved", add_stand_in_banner)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
