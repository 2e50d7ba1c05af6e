"""Object storage: the only package that imports boto3 (directly or through django-storages).

S3-compatible storage when S3_BUCKET is configured, local files under .data/media otherwise. Every
key starts with the current schema's name, so a district can never address another's files.
"""
