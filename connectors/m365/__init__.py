"""Microsoft 365 connector: Graph through O365 with app-only auth from config."""

from connectors.m365.client import GraphClient, GraphError
from connectors.m365.connection import open_account
from connectors.m365.drive import DriveFile, upload_file
from connectors.m365.mail import FOLDERS, MESSAGE_COLUMNS, MessageBatch, read_messages
from connectors.m365.send import Attachment, send_mail
from connectors.m365.todo import TodoTask, create_task, default_list_id, linked_tasks
from connectors.m365.workbook import WorkbookNotFound, read_table

__all__ = [
    "FOLDERS",
    "MESSAGE_COLUMNS",
    "Attachment",
    "DriveFile",
    "GraphClient",
    "GraphError",
    "MessageBatch",
    "TodoTask",
    "WorkbookNotFound",
    "create_task",
    "default_list_id",
    "linked_tasks",
    "open_account",
    "read_messages",
    "read_table",
    "send_mail",
    "upload_file",
]
