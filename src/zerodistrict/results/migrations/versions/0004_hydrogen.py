"""kpis: hydrogen KPIs (issue 15: hydrogen from district sun)

Revision ID: 0003_hydrogen
Revises: 0003_thermal
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_hydrogen'
down_revision = '0003_thermal'
branch_labels = None
depends_on = None

COLUMNS = ('hydrogen_produced_kg', 'hydrogen_demand_kg', 'hydrogen_served_ratio', 'electrolyser_full_load_hours',
           'lcoh_per_kg', 'hydrogen_co2_avoided_kg')


def upgrade() -> None:
    # NULL for designs without hydrogen and for those stored before the KPIs existed
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
