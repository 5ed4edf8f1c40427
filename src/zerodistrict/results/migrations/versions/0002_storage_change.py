"""kpis.storage_change_kwh (issue 11: storage starts at its initial state of charge)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for designs stored before the KPI existed (their LP ran with cyclic storage; the rules did not report it)
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.add_column(sa.Column('storage_change_kwh', sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.drop_column('storage_change_kwh')
