{#-
    Orders events by time, then by event_key (so ties are deterministic), as one comparable
    value. On DuckDB one 128-bit integer, epoch microseconds in the high 64 bits and the key in the
    low 64: it compares exactly like the pair, and max_by handles a number several times faster
    than a struct. Elsewhere the pair as a struct, which compares field by field.
-#}
{% macro recency_key(event_at='event_at', event_key='event_key') -%}
    {{ return(adapter.dispatch('recency_key', 'ecom')(event_at, event_key)) }}
{%- endmacro %}

{% macro default__recency_key(event_at, event_key) -%}
    ((cast(epoch_us({{ event_at }}) as hugeint) << 64) + cast({{ event_key }} as hugeint))
{%- endmacro %}

{% macro spark__recency_key(event_at, event_key) -%}
    named_struct('event_at', {{ event_at }}, 'event_key', {{ event_key }})
{%- endmacro %}
