"""cluster layout positions

Revision ID: 2334720aa344
Revises: e82af56c9423
Create Date: 2026-11-26 07:30:25.091904
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2334720aa344"
down_revision: str | None = "e82af56c9423"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.add_column(sa.Column("layout", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.drop_column("layout")
