"""Grades that go back where instructors keep them: Canvas, Moodle and Gradescope, in their own formats.

* :mod:`.names` – who handed in a file, read from the name Canvas or Moodle gave it (pure functions);
* :mod:`.intake` – a download (zip or folder) as the notebooks to grade, one per learner, and what was left out;
* :mod:`.run` – ``grade`` on a download: the grades with each learner's identity, ``grades.json``, pages, zips;
* :mod:`.tables` – reading and writing the LMSs' CSV files (BOM, ``;`` or ``,``) without changing other cells;
* :mod:`.canvas`, :mod:`.moodle` – the gradebook import and the offline grading worksheet;
* :mod:`.gradescope` – the autograder's ``results.json``;
* :mod:`.cli` – ``python -m helpers grades canvas|moodle|report`` and ``grade``'s LMS options.
"""
