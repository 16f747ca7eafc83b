"""The 医德考评 pages: ``cycles`` (the cycles and the self-evaluation), ``steps`` (the department
panel, the committee, publicity), ``daily`` (the daily records) and ``archive`` (the 医德档案, the
登记表 and the eligibility list).

Who: the office and system administrators run cycles and approve records for the hospital; the
leadership group decides final grades with the office (the committee) and reads everything; a
department head evaluates and enters records for their departments' people; everyone evaluated
writes their own self-evaluation and reads the publicity list. Anyone else gets 404, as does a
head for another department's panel or record; a step not open to the person gets 403.
"""
