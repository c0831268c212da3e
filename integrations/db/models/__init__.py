"""All tables. Each concern has its own module; importing this package registers them all."""

from integrations.db.models.billing import (
    BillingAccount,
    EmailSuppression,
    QuotaAlert,
    StripeEvent,
    UsageEntry,
)
from integrations.db.models.events import AuditEntry, OutboxEvent
from integrations.db.models.slack import SlackSettings
from integrations.db.models.templates import WorkflowTemplateRow
from integrations.db.models.tenancy import Role, Tenant, User
from integrations.db.models.webhooks import (
    AlertGroupRun,
    ApiKey,
    ProcessedDelivery,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSource,
)
from integrations.db.models.workflows import DeployHook, WorkflowEvent, WorkflowRun, WorkflowStep

__all__ = [
    "AlertGroupRun",
    "ApiKey",
    "AuditEntry",
    "BillingAccount",
    "DeployHook",
    "EmailSuppression",
    "OutboxEvent",
    "ProcessedDelivery",
    "QuotaAlert",
    "Role",
    "SlackSettings",
    "StripeEvent",
    "Tenant",
    "UsageEntry",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookSource",
    "WorkflowEvent",
    "WorkflowRun",
    "WorkflowStep",
    "WorkflowTemplateRow",
]
