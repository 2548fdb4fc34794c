-- Warns when the propensity layer is empty: the data cannot train a model (a month of events,
-- or a sample of rows, leaves the train or validation snapshot without users or purchasers).
-- The build then succeeds with empty propensity tables, and this says why they are empty.
{{ config(severity='warn') }}

select
    'no propensity model: the train or validation snapshot has no users or no purchasers '
    || '(too little history for the propensity_* cutoff vars)' as reason
where not exists (
    select 1 from {{ ref('propensity_model') }}
)
