{#- The step-to-step rates from funnel_step_counts' columns; counted in sessions, each lies in [0, 1]. -#}
{% macro funnel_rates() -%}
    {{ safe_divide('view_cart_sessions', 'view_sessions') }} as view_to_cart_rate,
    {{ safe_divide('cart_purchase_sessions', 'cart_sessions') }} as cart_to_purchase_rate,
    {{ safe_divide('purchase_sessions', 'view_sessions') }} as view_to_purchase_rate
{%- endmacro %}
