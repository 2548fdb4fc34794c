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

{#- The step-to-step rates from funnel_step_counts' columns; counted in sessions, each lies in [0, 1]. -#}
{% macro funnel_rates() -%}
    {{ safe_divide('view_cart_sessions', 'view_sessions') }} as view_to_cart_rate,
    {{ safe_divide('cart_purchase_sessions', 'cart_sessions') }} as cart_to_purchase_rate,
    {{ safe_divide('purchase_sessions', 'view_sessions') }} as view_to_purchase_rate
{%- endmacro %}
