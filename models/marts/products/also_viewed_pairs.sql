-- Products viewed in the same session ("people who viewed this also viewed"), for
-- recommendations where purchases are too sparse.
with

baskets as (
    select * from {{ ref('int_view_baskets') }}
),

pairs as (
    {{ pair_metrics('baskets', 'product_id', var('basket_min_baskets')) }}
),

final as (
    select
        item_a as product_a,
        item_b as product_b,
        pair_baskets as pair_sessions,
        support,
        confidence_a_to_b,
        confidence_b_to_a,
        lift,
        item_a_baskets as product_a_sessions,
        item_b_baskets as product_b_sessions,
        total_baskets as total_sessions
    from pairs
)

select * from final
