"""Object store on MinIO or any S3-compatible server through the ``minio`` SDK (production)."""

from __future__ import annotations

import io

import urllib3
from minio import Minio
from minio.error import S3Error

from luna.store.objects.base import ObjectNotFoundError, ObjectStoreError, validate_key


def make_minio_client(endpoint: str, access_key: str, secret_key: str, secure: bool) -> Minio:
    # Short timeouts and few retries: a dead object store must fail fast, not hang requests.
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3.0, read=30.0),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
    )
    return Minio(endpoint, access_key, secret_key, secure=secure, http_client=http)


class MinioObjectStore:
    """Objects in one bucket, created on first use."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self._client = client
        self._bucket = validate_key(bucket)
        try:
            if not client.bucket_exists(self._bucket):
                client.make_bucket(self._bucket)
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreError(f"object store unavailable: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._client.put_object(
            self._bucket, validate_key(key), io.BytesIO(data), len(data), content_type=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(self._bucket, validate_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise ObjectNotFoundError(key) from exc
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        self._client.remove_object(self._bucket, validate_key(key))

    def list(self, prefix: str = "") -> list[str]:
        return sorted(
            o.object_name
            for o in self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
            if o.object_name is not None
        )

    def exists(self, key: str) -> bool:
        try:
            self._client.stat_object(self._bucket, validate_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    def ping(self) -> None:
        try:
            self._client.bucket_exists(self._bucket)
        except (S3Error, urllib3.exceptions.HTTPError) as exc:
            raise ObjectStoreError(f"object store unavailable: {exc}") from exc
