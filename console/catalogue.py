"""目录与部门: the district admin keeps the departments, the local supplement items of the catalogue
and who supplies what by when. Thin: core.catalog writes."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff_permitted
from core.catalog.enums import Disclosure, SubjectScope
from core.catalog.models import CatalogCategory, CatalogItem, Department
from core.catalog.permissions import CATALOGUE_MANAGE
from core.catalog.services import catalog_item_add, catalog_supply_set, department_create
from core.common.errors import ApplicationError
from core.common.forms import form_error


class DepartmentForm(forms.Form):
    code = forms.CharField(label="统一社会信用代码", max_length=30)
    name = forms.CharField(label="部门名称", max_length=100)


class SupplementForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=CatalogCategory.objects.order_by("number"), label="所属类别", empty_label=None
    )
    name = forms.CharField(label="信息项名称", max_length=200)
    disclosure = forms.ChoiceField(label="公开属性", choices=Disclosure.choices)
    subject_scope = forms.ChoiceField(label="适用主体", choices=SubjectScope.choices)


class SupplyForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=CatalogItem.objects.filter(is_active=True).order_by("code"),
        label="信息项",
        empty_label=None,
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="报送部门", empty_label=None
    )
    deadline_working_days = forms.IntegerField(
        label="报送时限（工作日）", initial=7, min_value=1, max_value=60
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, CATALOGUE_MANAGE)
    forms_by_name = {
        "department": DepartmentForm(request.POST if "department_add" in request.POST else None),
        "supplement": SupplementForm(request.POST if "item_add" in request.POST else None),
        "supply": SupplyForm(request.POST if "supply_set" in request.POST else None),
    }
    done = ""
    try:
        if "department_add" in request.POST and forms_by_name["department"].is_valid():
            data = forms_by_name["department"].cleaned_data
            done = f"已添加部门：{department_create(actor=user, code=data['code'], name=data['name']).name}"
        elif "item_add" in request.POST and forms_by_name["supplement"].is_valid():
            data = forms_by_name["supplement"].cleaned_data
            item = catalog_item_add(actor=user, category=data["category"], name=data["name"],
                                    disclosure=data["disclosure"], subject_scope=data["subject_scope"])  # fmt: skip
            done = f"已添加本地补充信息项：{item.code} {item.name}"
        elif "supply_set" in request.POST and forms_by_name["supply"].is_valid():
            data = forms_by_name["supply"].cleaned_data
            catalog_supply_set(actor=user, item=data["item"], department=data["department"],
                               deadline_working_days=data["deadline_working_days"])  # fmt: skip
            done = f"已设置：{data['department'].name} 报送 {data['item'].name}"
    except ApplicationError as exc:
        name = {"department_add": "department", "item_add": "supplement", "supply_set": "supply"}[
            next(k for k in ("department_add", "item_add", "supply_set") if k in request.POST)
        ]
        form_error(forms_by_name[name], exc)
    if done:
        return redirect(f"/console/catalogue/?done={quote(done)}")
    items = (
        CatalogItem.objects.select_related("category")
        .prefetch_related("supplies__department")
        .order_by("category__number", "code")
    )
    return render(request, "portal_theme/console/catalogue.html", {
        **forms_by_name, "items": items, "departments": Department.objects.order_by("name"), "done": request.GET.get("done", ""),
    })  # fmt: skip
