{#-
    Association metrics for item pairs bought (or viewed) together, from `baskets`: a relation or
    CTE name with one row per distinct (basket_id, item) - the column is `item_column`.
    Pairs are ordered (item_a < item_b) and computed with one self-join on basket_id; only pairs
    in at least `min_baskets` baskets are kept. support = pair baskets / all baskets;
    confidence_a_to_b = P(b in basket | a in basket); lift = confidence / P(b).
-#}
{% macro pair_metrics(baskets, item_column, min_baskets) -%}
    with item_baskets as (
        select
            {{ item_column }} as item,
            count(*) as baskets
        from {{ baskets }}
        group by {{ item_column }}
    )

    select
        pairs.item_a,
        pairs.item_b,
        pairs.pair_baskets,
        cast(pairs.pair_baskets as double) / totals.baskets as support,
        cast(pairs.pair_baskets as double) / a.baskets as confidence_a_to_b,
        cast(pairs.pair_baskets as double) / b.baskets as confidence_b_to_a,
        cast(pairs.pair_baskets as double) * totals.baskets / (cast(a.baskets as double) * b.baskets) as lift,
        a.baskets as item_a_baskets,
        b.baskets as item_b_baskets,
        totals.baskets as total_baskets
    from (
        select
            left_side.{{ item_column }} as item_a,
            right_side.{{ item_column }} as item_b,
            count(*) as pair_baskets
        from {{ baskets }} as left_side
        inner join {{ baskets }} as right_side
            on
                left_side.basket_id = right_side.basket_id
                and left_side.{{ item_column }} < right_side.{{ item_column }}
        group by left_side.{{ item_column }}, right_side.{{ item_column }}
        having count(*) >= {{ min_baskets }}
    ) as pairs
    inner join item_baskets as a on pairs.item_a = a.item
    inner join item_baskets as b on pairs.item_b = b.item
    cross join (
        select count(distinct basket_id) as baskets
        from {{ baskets }}
    ) as totals
{%- endmacro %}
