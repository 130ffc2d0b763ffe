"""The counter-service register: the ten non-recording SOPs of "SOP PATEN 2017 Kecamatan Kalipare".

Intake with NIK check and requirement checklist, return slips, register book with yearly numbers per service,
receipts with QR codes, letters with official outgoing numbers from editable templates, signature, hand-over,
archive, Keramaian monitoring, weekly/monthly reports and the anonymous SKM survey. Every step of each SOP (from
the catalogue) is timed against its standard.

Modules (data → domain → storage → workflow → output):

- ``config`` locates and loads the editable data files (``data/*.toml``, ``templates/*.toml``, office overrides);
  ``services`` (workflow kind per catalogue step), ``fields`` (detail fields), ``requirements`` (checklists),
  ``classification`` (2012/2022 code tables), ``signers`` (who signs, stand-ins), ``office`` (letterhead, number
  formats), ``templates`` (letter templates), ``skm`` (questionnaire, IKM formula, anonymous answers) parse them;
- ``states`` (lifecycle), ``rules`` (service rules on details), ``timing`` (step runs against the standard);
- ``models`` (ORM, migration 0002_register), ``numbering`` (sequences), ``repository`` (queries);
- ``service`` (the workflow, one transaction per action), ``views`` (JSON shapes);
- ``pdf`` (page, letterhead, QR), ``receipts``, ``slips``, ``letters``, ``reports`` (figures), ``report_files``
  (PDF with charts, XLSX, CSV), ``indo`` (Indonesian dates and amounts).
"""
