"""The library on an S3-compatible object store: django-storages' S3 backend whose writes never
overwrite an object, named in `STORAGES` when `PHOTOSITE_STORAGE_URL` is an `s3://` URL.

A name in the library is taken once: two machines importing the same photo, or two workers
making the same thumbnail, must never replace each other's object, and a HEAD before a PUT
races. So every write is conditional — `If-None-Match: *` on the PUT, and on the completion of a
multipart upload for big files (django-storages' `upload_fileobj` path cannot pass the
condition) — and the store itself refuses the second writer (412 Precondition Failed).
`put_if_absent` says so with `FileExistsError`, as `os.link` does on a disk; `save()` then takes
the next free name, as Django's storages promise and `AtomicFileSystemStorage` does."""
import os
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Objects above this size go up in parts of this size: a part is held in memory once, and a
# failed part is sent again alone.
PART_SIZE = 16 * 1024 * 1024
PRECONDITION_FAILED = 412
FORBIDDEN = 403


class StoredObject(NamedTuple):
    name: str  # relative to the storage's prefix, as Storage names are
    size: int
    modified: datetime


class UnfinishedUpload(NamedTuple):
    name: str
    upload_id: str
    initiated: datetime


class NoOverwriteS3Storage(S3Storage):
    """S3Storage with conditional, never-overwriting writes (see the module docstring)."""

    def _save(self, name, content):
        while True:
            try:
                return self.put_if_absent(name, content)
            except FileExistsError:  # taken since Storage.save() chose it: take the next free name
                name = self.get_available_name(name)

    def put_if_absent(self, name, content) -> str:
        """Writes `content` as `name` unless an object of that name exists (FileExistsError).
        Returns once the store has acknowledged the whole object."""
        cleaned_name = clean_name(name)
        key = self._normalize_name(cleaned_name)
        parameters = self._get_write_parameters(key, content)
        content.seek(0, os.SEEK_SET)
        try:
            if content.size > PART_SIZE:
                self._put_in_parts(key, content, parameters)
            else:
                self.connection.meta.client.put_object(
                    Bucket=self.bucket_name, Key=key, Body=content.read(), IfNoneMatch="*", **parameters)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            if status == PRECONDITION_FAILED:
                raise FileExistsError(f"{cleaned_name} is already in the store") from error
            if status == FORBIDDEN:
                raise PermissionError(f"the object store refused to write {cleaned_name} "
                                      f"({error.response['Error'].get('Code', 'AccessDenied')})") from error
            raise
        return cleaned_name

    def _put_in_parts(self, key, content, parameters):
        client = self.connection.meta.client
        upload_id = client.create_multipart_upload(Bucket=self.bucket_name, Key=key, **parameters)["UploadId"]
        try:
            parts = []
            while chunk := content.read(PART_SIZE):
                number = len(parts) + 1
                etag = client.upload_part(Bucket=self.bucket_name, Key=key, UploadId=upload_id,
                                          PartNumber=number, Body=chunk)["ETag"]
                parts.append({"ETag": etag, "PartNumber": number})
            client.complete_multipart_upload(Bucket=self.bucket_name, Key=key, UploadId=upload_id,
                                             MultipartUpload={"Parts": parts}, IfNoneMatch="*")
        except BaseException:
            client.abort_multipart_upload(Bucket=self.bucket_name, Key=key, UploadId=upload_id)
            raise

    def listed_objects(self, folder: str | None = None) -> Iterator[StoredObject]:
        """Every object under the storage's prefix, or only those directly in `folder` ("" for the
        prefix's own), a page of the listing at a time (so memory stays flat however big the
        bucket), in the store's order of keys."""
        prefix = self.key_prefix()
        within = {} if folder is None else {"Delimiter": "/"}
        pages = self.connection.meta.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket_name, Prefix=prefix + (f"{folder.strip('/')}/" if folder else ""), **within)
        for page in pages:
            for entry in page.get("Contents", ()):
                yield StoredObject(entry["Key"][len(prefix):], entry["Size"], entry["LastModified"])

    def unfinished_uploads(self) -> Iterator[UnfinishedUpload]:
        """Multipart uploads under the prefix that were started and neither completed nor
        aborted (a writer killed mid-upload): the store keeps their parts, invisible, until
        someone aborts them."""
        prefix = self.key_prefix()
        pages = self.connection.meta.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket_name, Prefix=prefix)
        for page in pages:
            for upload in page.get("Uploads", ()):
                yield UnfinishedUpload(upload["Key"][len(prefix):], upload["UploadId"], upload["Initiated"])

    def abort_upload(self, upload: UnfinishedUpload):
        self.connection.meta.client.abort_multipart_upload(
            Bucket=self.bucket_name, Key=self.key_prefix() + upload.name, UploadId=upload.upload_id)

    def key_prefix(self) -> str:
        """What every key of this storage starts with ("" at the bucket's root)."""
        location = self.location.strip("/")
        return f"{location}/" if location else ""

    def reader(self, name) -> "ObjectReader":
        """The object for a ranged response: seek once, then read in order (S3File would
        download the whole object first)."""
        return ObjectReader(self.connection.meta.client, self.bucket_name, self._normalize_name(clean_name(name)))


class ObjectReader:
    """An object read from one position on, through one GET with a Range (FileNotFoundError when
    there is no such object)."""

    def __init__(self, client, bucket: str, key: str):
        self.client, self.bucket, self.key = client, bucket, key
        self.body = None

    def seek(self, position: int):
        self.close()
        ranged = {"Range": f"bytes={position}-"} if position else {}
        try:
            self.body = self.client.get_object(Bucket=self.bucket, Key=self.key, **ranged)["Body"]
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(f"no object {self.key}") from error

    def read(self, size: int) -> bytes:
        if self.body is None:
            self.seek(0)
        return self.body.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self.body is not None:
            self.body.close()
            self.body = None
