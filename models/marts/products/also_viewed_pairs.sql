-- Products viewed in the same session ("people who viewed this also viewed"), for
-- recommendations where purchases are too sparse.
-- Nearly all of its time is the self-join and the aggregation of the pairs: at 108M events,
-- 307M pair rows into 100M groups took 24-26 s of the model's 32 s, counting alone; the
-- alternatives measured against it are in the README (Performance, market basket).
with

baskets as {{ cte_materialization('not materialized') }} (
    -- Not materialized: the pair metrics read the baskets four times (the self-join's two sides,
    -- the products' counts, the total), and each read scans only the two columns it needs from
    -- int_view_baskets. Materialized, DuckDB first copied the 90M rows aside: at 108M events
    -- the model took 35.3-36.5 s that way against 31.9-33.5 s (the benchmark's basket step,
    -- alternating, three rounds each; the same 22.8M rows).
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
