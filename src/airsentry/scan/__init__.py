"""Historical scans: ``airsentry scan`` over recorded traffic, on processes or Dask.

A scan decodes (:mod:`.stage`), runs each identity partition through the replay
pipeline (:mod:`.partition`), then merges the partitions deterministically
(:mod:`.reduce`), so its events and incidents are those of ``airsentry replay`` on the
same files whatever the engine or the number of partitions. :mod:`.engine` runs the
tasks; :mod:`.run` ties the steps together; :mod:`.heatmap` counts approaches and
violations per H3 cell and month.
"""
