"""object count: the feed sequence row keeps how many objects are stored

Revision ID: a3c5e0f1b276
Revises: 4e489acff360
Create Date: 2026-11-29 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3c5e0f1b276"
down_revision: str | None = "4e489acff360"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feed_sequence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("objects", sa.Integer(), nullable=False, server_default="0")
        )
    # The object quota reads this count instead of counting the rows on every write.
    op.execute("UPDATE feed_sequence SET objects = (SELECT count(*) FROM kube_object)")


def downgrade() -> None:
    with op.batch_alter_table("feed_sequence", schema=None) as batch_op:
        batch_op.drop_column("objects")
