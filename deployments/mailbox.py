"""The mailbox flow's deployment: every few minutes in working hours, when there is a mailbox.

Replies come in working hours; a cron line is enough here (a holiday run finds an empty
mailbox and costs one IMAP login). Without ``KONTROL_IMAP_HOST`` there is nothing to read and
no deployment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kontrol.config import load_rules
from kontrol.context import App
from kontrol.deployments.dispatch import synchronous

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "kontrol-mail-fetch"
DEPLOYMENT_NAME = "mail-fetch"
CRON = "*/5 8-19 * * 1-5"  # every 5 minutes, 08:00–19:55, Monday to Friday, local time


def mailbox_deployment(app: App) -> RunnerDeployment | None:
    """The ``mail-fetch`` deployment of ``flows.mailbox.mail_fetch``, or None without a mailbox."""
    if not app.settings.imap_host:
        return None
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from kontrol.flows.mailbox import mail_fetch

    rules = load_rules(app.settings)
    return synchronous(
        mail_fetch.to_deployment(
            name=DEPLOYMENT_NAME,
            schedules=[Cron(CRON, timezone=rules.policy.timezone)],
            description="Replies to assignment mails read from kontrol's mailbox (IMAP): "
            "reports and extension requests by mail; every 5 minutes in working hours.",
            tags=["kontrol", "mail"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
    )
