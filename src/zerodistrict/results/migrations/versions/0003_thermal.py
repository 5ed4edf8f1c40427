"""kpis.heating_kwh, cooling_kwh, space_conditioning_ratio (issue 16: homes as buildings)

Revision ID: 0003_thermal
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_thermal'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ('heating_kwh', 'cooling_kwh', 'space_conditioning_ratio')


def upgrade() -> None:
    # NULL for designs without buildings (their homes are archetype loads) and designs stored before
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
