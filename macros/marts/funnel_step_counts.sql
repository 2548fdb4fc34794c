{#- Session counts per funnel step, from per-session flags; `purchased` names the purchase flag. -#}
{% macro funnel_step_counts(purchased) -%}
    count(*) as sessions,
    count(*) filter (where has_view) as view_sessions,
    count(*) filter (where has_cart) as cart_sessions,
    count(*) filter (where {{ purchased }}) as purchase_sessions,
    count(*) filter (where has_view and has_cart) as view_cart_sessions,
    count(*) filter (where has_cart and {{ purchased }}) as cart_purchase_sessions,
    count(*) filter (where {{ purchased }} and not has_cart) as purchase_without_cart_sessions
{%- endmacro %}
