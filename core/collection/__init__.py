"""Data collection (数据采集): department files, manual entry and API pushes, one validation."""
