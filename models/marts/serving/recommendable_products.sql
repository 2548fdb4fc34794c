-- The products that have recommendations (a pair bought or viewed together), with what a person
-- recognises them by: category, brand and id. The dashboard's product search reads it.
with

bought as (
    select * from {{ ref('product_pairs') }}
),

viewed as (
    select * from {{ ref('also_viewed_pairs') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

paired as (
    select product_a as product_id from bought
    union
    select product_b as product_id from bought
    union
    select product_a as product_id from viewed
    union
    select product_b as product_id from viewed
),

final as (
    select
        products.product_id,
        coalesce(products.category_code, '(no category code)') as category_code,
        coalesce(products.brand, '(no brand)') as brand,
        products.purchases,
        products.views
    from products
    inner join paired on products.product_id = paired.product_id
)

select * from final
