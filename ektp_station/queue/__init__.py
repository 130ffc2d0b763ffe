"""The queue: tickets per service, counter calls, events with their times, several counters on one database.

Modules: ``models`` (tables), ``service_types`` (one prefix and name per SOP, standard times), ``numbering``
(daily numbers), ``tx`` (write transactions safe across processes), ``events`` (the event log and in-process
listeners), ``service`` (issue, call, recall, skip, return, transfer, start, finish), ``counters`` and
``config`` (what each counter serves, running text, no-show window, voice), ``status`` (what the display and
``queue status`` show), ``stats`` (times against the SOP), ``printing`` (what the printed ticket
says, and printing it), ``summons`` and ``summons_pdf`` (Surat Panggilan for the e-KTP recording), ``dates`` (Indonesian
dates), ``errors`` (what a user can get wrong).
"""
