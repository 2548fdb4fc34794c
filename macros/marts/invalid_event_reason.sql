{#-
    Why a bronze row cannot be a silver event, or null when it can. One definition shared by
    stg_events (keeps the nulls) and stg_events_rejected (keeps the rest), so the audit's
    reconciliation cannot drift between the two.
-#}
{% macro invalid_event_reason(event_at='event_at') -%}
    case
        when {{ event_at }} is null or event_type is null or product_id is null or user_id is null
            then 'missing_value'
        when
            {{ event_at }} < cast('{{ var("start_date") }}' as timestamp)
            or {{ event_at }} >= cast('{{ var("end_date") }}' as timestamp)
            then 'outside_date_range'
        when event_type = 'purchase' and price <= 0
            then 'non_positive_purchase_price'
    end
{%- endmacro %}
