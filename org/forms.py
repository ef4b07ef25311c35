"""Plain forms for the management pages; the services check the rules again."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from risks.forms import PersonChoiceField
from risks.models import AuditAction, Category, DataScope, Domain, Role, Unit, UnitKind
from risks.permissions import THREE_OFFICERS, Perm, has_perm

User = get_user_model()


class StyledForm(forms.Form):
    """Bootstrap classes on every widget; unit and people pickers searchable."""

    searchable: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                pass
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if name in self.searchable:
                widget.attrs["data-searchable"] = "1"


def unit_choices():
    return Unit.objects.order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        # Indent by depth so the tree shows in a plain select.
        inactive = "" if unit.is_active else gettext("（已停用）")
        return f"{'　' * (unit.depth - 1)}{unit.name}{inactive}"


class UnitForm(StyledForm):
    searchable = ("parent",)
    parent = UnitChoiceField(label=_("上级单位"), queryset=Unit.objects.none(), required=False)
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.SlugField(label=_("编码"), max_length=32, help_text=_("字母、数字、连字符，唯一"))
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["parent"]
        else:
            self.fields["parent"].queryset = unit_choices().filter(is_active=True)


class UnitMoveForm(StyledForm):
    searchable = ("parent",)
    parent = UnitChoiceField(label=_("移动到（新的上级单位）"), queryset=Unit.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = unit_choices()


def grantable_roles(user) -> list:
    """Roles this person may give: the business roles for the admin, 三员 for the security admin."""
    roles = []
    if has_perm(user, Perm.MANAGE_ORG):
        roles += [(r.value, r.label) for r in Role if r not in THREE_OFFICERS]
    if has_perm(user, Perm.MANAGE_SECURITY):
        roles += [(r.value, r.label) for r in Role if r in THREE_OFFICERS]
    return roles


class OneRoleMixin:
    """One account, one role: two roles posted at once (二员 on one account) are refused."""

    def clean_role(self):
        posted = self.data.getlist(self.add_prefix("role")) if hasattr(self.data, "getlist") else []
        if len(set(posted)) > 1:
            raise forms.ValidationError(
                _(
                    "一个账号只能担任一个角色；系统管理员、安全管理员、审计管理员（三员）必须由不同账号分别担任。"
                )
            )
        return self.cleaned_data["role"]


class PersonForm(OneRoleMixin, StyledForm):
    searchable = ("unit",)
    username = forms.RegexField(
        label=_("账号"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("账号只能包含字母、数字和 @ . + - _。")},
    )
    last_name = forms.CharField(label=_("姓"), max_length=150, required=False)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    unit = UnitChoiceField(label=_("单位"), queryset=Unit.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=())
    phone = forms.RegexField(label=_("联系电话"), max_length=20, regex=r"^[0-9+\- ]*$", required=False)
    title = forms.CharField(label=_("职务"), max_length=50, required=False)

    def __init__(self, *args, by, editing=False, current_role=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices().filter(is_active=True)
        choices = grantable_roles(by)
        if current_role and current_role not in dict(choices):
            # A 三员 account edited by the admin: its role is shown but stays as it is.
            choices = [(current_role, Role(current_role).label)]
            self.fields["role"].disabled = True
        self.fields["role"].choices = choices
        if editing:
            del self.fields["username"]


class RoleGrantForm(OneRoleMixin, StyledForm):
    searchable = ("person",)
    person = PersonChoiceField(label=_("人员"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(profile__isnull=False).select_related(
            "profile__unit"
        )


class RoleSettingForm(StyledForm):
    searchable = ("custom_units",)
    data_scope = forms.ChoiceField(label=_("数据范围"), choices=DataScope.choices, widget=forms.RadioSelect)
    custom_units = forms.ModelMultipleChoiceField(
        label=_("自定义数据范围（选“自定义数据”时）"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custom_units"].queryset = unit_choices()

    def clean(self):
        data = super().clean()
        if data.get("data_scope") == DataScope.CUSTOM and not data.get("custom_units"):
            self.add_error("custom_units", _("“自定义数据”须至少选择一个单位。"))
        return data


class CategoryForm(StyledForm):
    domain = forms.ModelChoiceField(label=_("领域"), queryset=Domain.objects.none())
    parent = forms.ModelChoiceField(label=_("上级类别"), queryset=Category.objects.none(), required=False)
    name = forms.CharField(label=_("名称"), max_length=50)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["domain"], self.fields["parent"]
        else:
            del self.fields["is_active"]
            self.fields["domain"].queryset = Domain.objects.filter(is_active=True)
            self.fields["parent"].queryset = Category.objects.select_related("domain", "parent")


class AuditFilterForm(StyledForm):
    searchable = ("unit",)
    person = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    unit = forms.ModelChoiceField(label=_("操作人单位"), queryset=Unit.objects.none(), required=False)
    action = forms.ChoiceField(label=_("操作"), choices=[("", "—"), *AuditAction.choices], required=False)
    object = forms.CharField(label=_("对象（类型、编号或名称）"), required=False, max_length=100)
    start = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return data
