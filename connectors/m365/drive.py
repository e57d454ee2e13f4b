"""OneDrive: put a report file in a user's folder, replacing an older copy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from io import BytesIO

from O365.drive import Drive, Folder

from connectors.errors import FatalError
from connectors.m365.client import GraphClient, GraphError


@dataclass(frozen=True)
class DriveFile:
    """Where an uploaded file now lives."""

    item_id: str
    path: str
    web_url: str
    size: int


def upload_file(
    client: GraphClient, user: str, folder: str, name: str, content: bytes
) -> DriveFile:
    """Upload `content` as `folder/name` in `user`'s OneDrive (simple upload, ≤ 4 MB)."""
    target = _ensure_folder(client, user, folder)
    item = client.guard(
        lambda: target.upload_file(
            None, item_name=name, stream=BytesIO(content), stream_size=len(content)
        ),
        method="PUT",
        what=f"upload {folder}/{name} to OneDrive of {user}",
    )
    if item is None:
        raise FatalError(f"OneDrive of {user} returned nothing for the upload of {name}")
    return DriveFile(item.object_id, f"{folder.strip('/')}/{name}", item.web_url, int(item.size))


def _ensure_folder(client: GraphClient, user: str, folder: str) -> Folder:
    drive = client.guard(
        lambda: client.account.storage(resource=user).get_default_drive(),
        method="GET",
        what=f"open OneDrive of {user}",
    )
    current = client.guard(drive.get_root_folder, method="GET", what=f"OneDrive root of {user}")
    path = ""
    for name in [segment for segment in folder.split("/") if segment]:
        path += "/" + name
        current = _existing_folder(client, drive, path) or client.guard(
            partial(current.create_child_folder, name),
            method="POST",
            what=f"create folder {path} in OneDrive of {user}",
        )
    return current


def _existing_folder(client: GraphClient, drive: Drive, path: str) -> Folder | None:
    try:
        return client.guard(
            lambda: drive.get_item_by_path(path), method="GET", what=f"find OneDrive {path}"
        )
    except GraphError as exc:
        if exc.status == 404:
            return None
        raise
