"""Where the library's files are kept, read from `PHOTOSITE_STORAGE_URL` by the settings: empty
(the default) for the library folder itself, or `s3://bucket/prefix` for an S3-compatible object
store (AWS, MinIO, SeaweedFS...), with `PHOTOSITE_S3_ENDPOINT_URL` for a store other than AWS.
Region and credentials come from boto3's own standard variables (`AWS_DEFAULT_REGION`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), never from here."""
from urllib.parse import urlsplit

OBJECT_STORE_BACKEND = "photosite.object_storage.NoOverwriteS3Storage"
# How long a link handed to a browser (a presigned URL) stays valid.
LINK_SECONDS = 300


class StorageUrlError(ValueError):
    """A PHOTOSITE_STORAGE_URL that does not name a bucket."""


def object_storage_entry(url: str, endpoint_url: str, folder: str) -> dict:
    """The STORAGES entry for `folder` (e.g. ".thumbnails") under the bucket and prefix `url` names."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise StorageUrlError(f"PHOTOSITE_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    location = "/".join(part for part in (parts.path.strip("/"), folder) if part)
    return {"BACKEND": OBJECT_STORE_BACKEND, "OPTIONS": {
        "bucket_name": parts.netloc, "location": location, "endpoint_url": endpoint_url or None,
        "file_overwrite": False, "querystring_expire": LINK_SECONDS,
    }}
