-- One row per distinct product in a purchase basket (see the basket_id macro for what a basket is).
with

purchases as (
    select * from {{ ref('fct_purchases') }}
),

final as (
    select distinct
        {{ basket_id() }} as basket_id,
        product_id,
        category_code
    from purchases
)

select * from final
