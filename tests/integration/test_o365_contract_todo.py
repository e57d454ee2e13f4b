"""Contract: O365's To Do API (lists and tasks) against the Graph stand-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from O365 import Account
from O365.tasks import Folder, ToDo

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    graph_root,
    kam,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def todo(account: Account, sandbox_settings: Settings) -> ToDo:
    return account.tasks(resource=kam(sandbox_settings))


@pytest.fixture
def own_list(todo: ToDo) -> Iterator[Folder]:
    """A To Do list of this test's own, deleted afterwards."""
    folder = todo.new_folder(unique("Contract tests"))
    assert folder is not None
    yield folder
    folder.delete()


def test_default_list_and_a_new_one(todo: ToDo, own_list: Folder) -> None:
    """O365 2.1.10 bug: `ToDo.get_folder(folder_name=...)` calls the old
    `new_query(attribute)` signature and raises TypeError; look a list up by id,
    or filter `list_folders` with the new query builder."""
    default = todo.get_default_folder()
    names = {folder.name: folder for folder in todo.list_folders()}
    through_delta = {folder.name for folder in todo.list_folders_delta()}

    assert default.is_default and default.name == "Tasks"
    assert names[own_list.name].folder_id == own_list.folder_id
    assert not names[own_list.name].is_default
    assert {default.name, own_list.name} <= through_delta
    by_id = todo.get_folder(folder_id=own_list.folder_id)
    query = todo.new_query().equals("displayName", own_list.name)
    by_name = todo.list_folders(query=query)
    with pytest.raises(TypeError):
        todo.get_folder(folder_name=own_list.name)

    assert by_id is not None and by_id.name == own_list.name
    assert [folder.folder_id for folder in by_name] == [own_list.folder_id]


def test_task_lifecycle(own_list: Folder) -> None:
    due = dt.datetime(2026, 12, 15, 9, 0, tzinfo=ZoneInfo("UTC"))
    task = own_list.new_task("Call Contoso about the renewal")
    task.body = "Ask about volumes for next year."
    task.due = due
    assert task.save()
    created_id = task.task_id

    fetched = own_list.get_task(created_id)
    assert fetched.subject == task.subject and fetched.due == due
    assert fetched.body == "Ask about volumes for next year."
    assert not fetched.is_completed and fetched.status == "notStarted"

    fetched.mark_completed()
    assert fetched.save()
    done = own_list.get_task(created_id)
    assert done.is_completed and done.completed is not None and done.task_id == created_id

    assert done.delete()
    assert [t.task_id for t in own_list.get_tasks()] == []


def test_get_tasks_reads_one_page_only(
    account: Account, own_list: Folder, sandbox_settings: Settings
) -> None:
    """O365 2.1.10 quirk: Folder.get_tasks never follows @odata.nextLink.

    Graph pages To Do tasks (10 by default here); with more tasks in a list an
    O365 user gets the first page only. The workaround is `batch` (`$top`) above
    the list size, or following the nextLink with the raw connection.
    """
    subjects = {f"Follow-up {n:02d}" for n in range(12)}
    for subject in subjects:
        assert own_list.new_task(subject).save()

    first_page = list(own_list.get_tasks())
    everything = list(own_list.get_tasks(batch=50))
    url = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}"
    url += f"/todo/lists/{own_list.folder_id}/tasks"
    followed: list[str] = []
    with raw_graph(account) as session:
        next_link: str | None = url
        while next_link:
            body = session.get(next_link).json()
            followed += [task["title"] for task in body["value"]]
            next_link = body.get("@odata.nextLink")

    assert len(first_page) == 10
    assert {task.subject for task in everything} == subjects
    assert set(followed) == subjects and len(followed) == 12


def test_renamed_list_and_ordered_tasks(todo: ToDo, own_list: Folder) -> None:
    for subject in ("b second", "a first", "c third"):
        assert own_list.new_task(subject).save()
    new_name = unique("Renamed list")
    own_list.name = new_name
    assert own_list.update()

    ordered = [task.subject for task in own_list.get_tasks(order_by="title desc")]
    query = own_list.new_query().startswith("title", "a ")
    filtered = [task.subject for task in own_list.get_tasks(query=query)]

    assert todo.get_folder(folder_id=own_list.folder_id).name == new_name
    assert ordered == ["c third", "b second", "a first"]
    assert filtered == ["a first"]


def test_checklist_steps(own_list: Folder) -> None:
    task = own_list.new_task("Prepare the QBR deck")
    assert task.save()
    for step in ("Pull pipeline", "Draft slides"):
        assert task.new_checklist_item(step).save()

    first, second = task.get_checklist_items()
    first.mark_checked()
    assert first.save()
    assert second.delete()
    (kept,) = task.get_checklist_items()

    assert (first.displayname, second.displayname) == ("Pull pipeline", "Draft slides")
    assert kept.displayname == "Pull pipeline" and kept.is_checked
    assert kept.checked is not None
