{#-
    Stops the build when an incremental model's existing table lacks `column`: it was built by
    an older version of this project, and the message names the table and the fix instead of
    leaving a binder error.
-#}
{% macro require_column(relation, column) -%}
    {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if column not in existing -%}
        {{ exceptions.raise_compiler_error(
            relation ~ " has no " ~ column ~ " column: it was built by an older version of this project. "
            ~ "Rebuild it from bronze with `ecom build --full-refresh` (or `dbt build --full-refresh`).") }}
    {%- endif -%}
{%- endmacro %}
