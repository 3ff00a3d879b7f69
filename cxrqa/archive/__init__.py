"""A synthetic hospital archive with planted, known faults: the default data of the audit (DESIGN §7).

Films are rendered with the digital reader study's machinery (:mod:`cxrqa.simulate`): phantoms and
real anatomy bases, the same degradations of known severity, the same vendors' ways of storing
pixels; the archive adds what an audit needs and a reader study does not: sites and stations, a
year of study dates, exposure indices in the headers, films an audit must skip or cannot read,
and faults planted on known stations from known months (``truth.csv``, ``faults.csv``).
"""
