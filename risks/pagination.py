"""The ledger's paginator: a page past the middle is read from the other end.

``OFFSET n`` makes the database walk and throw away n rows, so the last page of 100,000 risks
cost half a second (bench). Past the middle the page is fetched with the order reversed and a
small offset, then turned back. The order gets the primary key as a final tie-breaker, so both
directions see the same sequence.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django_tables2.rows import BoundRows


def with_tiebreak(queryset: QuerySet) -> QuerySet:
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    names = {str(field).lstrip("-") for field in ordering}
    if not ordering or names & {"pk", "id"}:
        return queryset.order_by(*ordering) if ordering else queryset.order_by("pk")
    last = str(ordering[0])
    return queryset.order_by(*ordering, "-pk" if last.startswith("-") else "pk")


class LedgerPaginator(Paginator):
    """Pages a queryset, or django-tables2's rows over one (``BoundRows``)."""

    def _queryset(self):
        if isinstance(self.object_list, QuerySet):
            return self.object_list
        data = getattr(getattr(self.object_list, "data", None), "data", None)
        return data if isinstance(data, QuerySet) else None

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self._queryset()
        if queryset is None or bottom <= self.count // 2:
            return super().page(number)
        rows = list(queryset.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        if queryset is not self.object_list:  # django-tables2: rows of the same table
            rows = BoundRows(
                data=rows, table=self.object_list.table, pinned_data=self.object_list.pinned_data
            )
        return self._get_page(rows, number, self)
