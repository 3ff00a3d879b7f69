"""The archive audit: score every PA chest film of an archive or a PACS, on one machine or a Dask cluster.

``cxrqa audit`` runs two passes over its sources (DESIGN §7). The index pass reads headers only
and keeps the PA chest films for presentation (:mod:`cxrqa.audit.header`); the scoring pass
decodes, crops and scores both dimensions shard by shard on Dask workers
(:mod:`cxrqa.audit.shard`, :mod:`cxrqa.audit.engine`) and writes the Parquet store
(:mod:`cxrqa.audit.store`): ``scores/`` by study month, ``failures/`` and ``run.json``.
"""
