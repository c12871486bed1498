"""Programs (not tests) that save the README's pictures: `python tests/screenshots/NAME.py [OUT]`."""
