"""sweeps, designs and kpis

Revision ID: 0001
Revises: 
Create Date: 2026-11-30 (the first schema of issue 13)
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('designs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('scenario_hash', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sweep_id', 'key', name='uq_designs_sweep_key')
    )
    with op.batch_alter_table('designs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_designs_sweep_id'), ['sweep_id'], unique=False)

    op.create_table('kpis',
    sa.Column('design_id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(length=200), nullable=False),
    sa.Column('dispatch', sa.String(length=200), nullable=False),
    sa.Column('n_homes', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.String(length=200), nullable=False),
    sa.Column('period_end', sa.String(length=200), nullable=False),
    sa.Column('step_minutes', sa.Integer(), nullable=False),
    sa.Column('period_days', sa.Double(), nullable=False),
    sa.Column('load_kwh', sa.Double(), nullable=False),
    sa.Column('ev_charge_kwh', sa.Double(), nullable=False),
    sa.Column('pv_kwp', sa.Double(), nullable=False),
    sa.Column('pv_generation_kwh', sa.Double(), nullable=False),
    sa.Column('pv_specific_yield_kwh_per_kwp', sa.Double(), nullable=False),
    sa.Column('grid_import_kwh', sa.Double(), nullable=False),
    sa.Column('grid_export_kwh', sa.Double(), nullable=False),
    sa.Column('shared_kwh', sa.Double(), nullable=False),
    sa.Column('battery_charge_kwh', sa.Double(), nullable=False),
    sa.Column('battery_discharge_kwh', sa.Double(), nullable=False),
    sa.Column('curtailed_kwh', sa.Double(), nullable=False),
    sa.Column('unserved_kwh', sa.Double(), nullable=False),
    sa.Column('critical_unserved_kwh', sa.Double(), nullable=False),
    sa.Column('outage_hours', sa.Double(), nullable=False),
    sa.Column('self_consumption_ratio', sa.Double(), nullable=False),
    sa.Column('self_sufficiency_ratio', sa.Double(), nullable=False),
    sa.Column('co2_kg', sa.Double(), nullable=False),
    sa.Column('co2_baseline_kg', sa.Double(), nullable=False),
    sa.Column('co2_reduction_ratio', sa.Double(), nullable=False),
    sa.Column('energy_cost', sa.Double(), nullable=False),
    sa.Column('export_revenue', sa.Double(), nullable=False),
    sa.Column('net_energy_cost', sa.Double(), nullable=False),
    sa.Column('net_energy_cost_baseline', sa.Double(), nullable=False),
    sa.Column('currency', sa.String(length=200), nullable=False),
    sa.Column('bill_total', sa.Double(), nullable=True),
    sa.Column('bill_total_baseline', sa.Double(), nullable=True),
    sa.Column('annual_bill_total', sa.Double(), nullable=True),
    sa.Column('annual_bill_total_baseline', sa.Double(), nullable=True),
    sa.Column('capex', sa.Double(), nullable=True),
    sa.Column('npv', sa.Double(), nullable=True),
    sa.Column('payback_years', sa.Double(), nullable=True),
    sa.Column('lcoe_per_kwh', sa.Double(), nullable=True),
    sa.Column('annualised_from_days', sa.Double(), nullable=True),
    sa.Column('critical_survival_hours_mean', sa.Double(), nullable=True),
    sa.Column('mobility_trips', sa.Integer(), nullable=True),
    sa.Column('mobility_trips_served_ratio', sa.Double(), nullable=True),
    sa.Column('mobility_km', sa.Double(), nullable=True),
    sa.Column('mobility_energy_kwh', sa.Double(), nullable=True),
    sa.Column('mobility_co2_avoided_kg', sa.Double(), nullable=True),
    sa.Column('mobility_revenue', sa.Double(), nullable=True),
    sa.Column('mobility_vehicle_utilisation_ratio', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['design_id'], ['designs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('design_id')
    )


def downgrade() -> None:
    op.drop_table('kpis')
    with op.batch_alter_table('designs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_designs_sweep_id'))

    op.drop_table('designs')
    op.drop_table('sweeps')
