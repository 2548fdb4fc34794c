{#-
    The basket a purchase belongs to, by the basket_grain var: the repaired session ("session"),
    or the user's purchases in the same basket_window_days-day window ("user_window"; windows
    are counted from 2019-01-01, so they are the same for every build).
-#}
{% macro basket_id() -%}
    {%- if var('basket_grain') == 'session' -%}
        session_id
    {%- elif var('basket_grain') == 'user_window' -%}
        {{ row_hash([
            'user_id',
            'floor(' ~ dbt.datediff("cast('2019-01-01' as date)", 'purchase_date', 'day') ~ ' / '
                ~ var('basket_window_days') ~ ')',
        ]) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var basket_grain must be 'session' or 'user_window', got '" ~ var('basket_grain') ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
