{#-
    Orders events by time, then by event_key (so ties are deterministic), as one 128-bit integer:
    epoch microseconds in the high 64 bits, the key in the low 64. It compares exactly like the
    pair but as a single number, which max_by handles several times faster than a struct or the
    text concatenation it replaced.
-#}
{% macro recency_key(event_at='event_at', event_key='event_key') -%}
    ((cast(epoch_us({{ event_at }}) as hugeint) << 64) + cast({{ event_key }} as hugeint))
{%- endmacro %}
