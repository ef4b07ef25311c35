"""The demo district's data for ``manage.py seed_demo`` (the logic is in ``risks.demo``).

Names of the real streets, towns and townships of 榆次区 and of the district's departments; the
villages and communities under them are invented. The risk topics say what a district ledger
typically holds, per security domain and local category, in the words such ledgers use.
"""

from dataclasses import dataclass, field

from .models import Level, Role, Source

# ---------------------------------------------------------------------------------------------
# Units


ROOT = ("YC", "榆次区")
OFFICE = ("YC-GAB", "区委国安办")
# (name, code, villages or communities): the territories as public listings give them; the
# villages and communities under them are invented.
STREETS = [
    ("晋华街道", "JH", ["晋华社区", "锦华社区", "迎宾社区", "蕴华社区"]),
    ("经纬街道", "JW", ["经纬社区", "纺织社区", "新苑社区"]),
    ("锦纶街道", "JL", ["锦纶社区", "纺机社区", "安居社区"]),
    ("北关街道", "BG", ["北关社区", "文苑社区", "城北社区", "源涡社区"]),
    ("新建街道", "XJ", ["新建社区", "榆液社区", "建设社区"]),
    ("新华街道", "XH", ["新华社区", "顺城社区", "益民社区"]),
    ("路西街道", "LX", ["路西社区", "站前社区", "聚福社区"]),
    ("安宁街道", "AN", ["安宁社区", "汇通社区", "锦园社区", "康乐社区"]),
    ("西南街道", "XN", ["西南社区", "榆华社区", "工农社区"]),
]
TOWNS = [
    ("乌金山镇", "WJS", ["乌金山村", "后沟村", "聂店村", "庞志村"]),
    ("修文镇", "XW", ["修文村", "东长寿村", "西长寿村", "王杜村"]),
    ("东阳镇", "DY", ["东阳村", "车辋村", "罗村", "南庄村"]),
    ("北田镇", "BT", ["北田村", "大发村", "小发村"]),
    ("长凝镇", "CN", ["长凝村", "北合流村", "东白村", "西白村"]),
    ("什贴镇", "ST", ["什贴村", "新庄村", "范村"]),
    ("郭家堡乡", "GJB", ["郭家堡村", "张家庄村", "永康村"]),
    ("张庆乡", "ZQ", ["张庆村", "上戈村", "小赵村"]),
    ("庄子乡", "ZZ", ["庄子村", "聂村", "王香村"]),
    ("东赵乡", "DZ", ["东赵村", "北张村", "南要村", "罗家庄村"]),
]
# (name, code, the head's title)
DEPARTMENTS = [
    ("公安分局", "GA", "分局局长"),
    ("应急管理局", "YJ", "局长"),
    ("能源局", "NY", "局长"),
    ("住建局", "ZJ", "局长"),
    ("市场监管局", "SJ", "局长"),
    ("信访局", "XF", "局长"),
    ("自然资源局", "ZR", "局长"),
    ("生态环境分局", "HB", "分局局长"),
    ("交通运输局", "JT", "局长"),
    ("卫健局", "WJ", "局长"),
    ("教育局", "JY", "局长"),
    ("农业农村局", "NN", "局长"),
    ("网信办", "WX", "主任"),
]


# ---------------------------------------------------------------------------------------------
# People

# The accounts a demo is given with: username → (surname, given name, unit code, role, title).
NAMED_PEOPLE = {
    "official": ("王", "小明", "YC-XW", Role.OFFICIAL, "综治中心干事"),
    "official2": ("李", "娜", "YC-DY", Role.OFFICIAL, "应急管理站干事"),
    "unitleader": ("张", "建国", "YC-XW", Role.UNIT_LEADER, "镇长"),
    "deptofficial": ("赵", "磊", "YC-D-YJ", Role.OFFICIAL, "安全生产监管股科员"),
    "leader": ("刘", "志强", "YC", Role.DISTRICT_LEADER, "区委常委、常务副区长"),
    "leader2": ("郭", "卫东", "YC", Role.DISTRICT_LEADER, "副区长"),
    "leader3": ("白", "雅琴", "YC", Role.DISTRICT_LEADER, "副区长"),
    "leader4": ("武", "振华", "YC", Role.DISTRICT_LEADER, "区委常委、政法委书记"),
    "admin": ("陈", "静", "YC-GAB", Role.ADMIN, "系统管理员"),
    "secadmin": ("杨", "帆", "YC-GAB", Role.SECURITY_ADMIN, "安全管理员"),
    "auditor": ("周", "敏", "YC-GAB", Role.AUDITOR, "审计管理员"),
}
DISTRICT_LEADERS = ("leader", "leader2", "leader3", "leader4")
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许傅沈彭吕苏卢蒋贾丁魏薛阎杜武乔贺"
)
GIVEN_NAMES = (
    "建军 海燕 晓东 丽华 国栋 志刚 文静 红梅 俊峰 晓燕 永强 秀英 鹏 敏 涛 伟 芳 宇 婷 晋生 晋华 凤英 "
    "少华 立新 慧敏 瑞 亚楠 宏伟 雪梅 利平 卫国 春燕 浩 旭东 玉兰 志远"
).split()

# ---------------------------------------------------------------------------------------------
# What risks look like


@dataclass(frozen=True)
class Topic:
    """A kind of risk the district meets, and the words its ledger entries are written in."""

    domain: str  # Domain.code
    category: str  # "安全生产/矿山"; "" for none
    weight: float
    # Title → measures. {town}: the township or street; {place}: the village or community, else
    # the township.
    titles: dict[str, str]
    rural: dict[str, str] = field(default_factory=dict)  # titles that fit only a township's villages
    where: str = ""  # "town" or "street" when only that kind of territory has it
    supervisor: str = ""  # the department (行业主管部门), by its code
    cooperating: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # the usual sources, chosen most of the time
    tags: tuple[str, ...] = ()  # "rhino", "swan": which tag fits, given now and then


TOPICS = [
    Topic(
        "societal",
        "安全生产/矿山",
        6,
        {
            "{town}某煤矿井下通风系统老化": "停产整顿，检测通风系统并更换老化风机，验收前不得复产。",
            "{town}某煤矿采空区积水探放不到位": "落实“有掘必探、先探后掘”，完善探放水设计。",
            "{place}废弃矿井井口封闭不严": "永久封闭废弃井口，设置警示标志，纳入属地巡查。",
            "{town}某采石场边坡高陡存在坍塌风险": "停止坡下作业，削坡减载、分台阶开采，监测边坡位移。",
            "{place}某煤矿瓦斯监测探头未按期标校": "立即标校并更换失效探头，完善安全监控系统管理。",
        },
        where="town",
        supervisor="YJ",
        cooperating=("NY", "ZR"),
        tags=("rhino",),
    ),
    Topic(
        "societal",
        "安全生产/危化品",
        5,
        {
            "{place}某加油站油罐区防雷检测过期": "委托有资质机构完成防雷检测，合格前停止卸油作业。",
            "{town}某化工企业储罐区防火堤破损": "限期修复防火堤，完善储罐区应急预案并组织演练。",
            "{place}某液化石油气充装站安全阀未按期校验": "立即送检安全阀，校验合格前停止充装。",
            "{place}某五金店违规储存危险化学品": "停止违规储存，清理转移危险化学品，培训经营者。",
        },
        supervisor="YJ",
        cooperating=("GA", "HB"),
    ),
    Topic(
        "societal",
        "安全生产/建筑施工",
        6,
        {
            "{place}某安置房项目深基坑支护不规范": "停工整改，补充基坑支护方案并经专家论证，加强监测。",
            "{place}某在建工地塔吊安拆无专项方案": "暂停安拆作业，补充专项方案报审，安拆人员持证上岗。",
            "{place}某项目高支模未经专家论证": "停止搭设，组织专家论证，按方案整改并验收后浇筑。",
            "{place}老旧小区改造工程脚手架连墙件缺失": "按规范补设连墙件，全员安全交底，监理旁站监督。",
        },
        supervisor="ZJ",
        cooperating=("YJ",),
    ),
    Topic(
        "societal",
        "安全生产/经营性自建房",
        6,
        {
            "{place}经营性自建房违规加层": "开展房屋安全鉴定，鉴定前停止经营，依法拆除加层。",
            "{place}某自建房改作小旅馆未经安全鉴定": "停止经营，完成安全鉴定和消防检查后方可营业。",
            "{place}临街自建房擅自拆改承重墙开设门店": "恢复承重结构或按设计加固，鉴定合格后方可使用。",
            "{place}出租自建房疏散通道堵塞": "清理疏散通道，增设应急照明，建立“一户一档”。",
        },
        supervisor="ZJ",
        cooperating=("SJ", "YJ"),
        tags=("rhino",),
    ),
    Topic(
        "societal",
        "安全生产/城镇燃气",
        6,
        {
            "{place}餐饮商户燃气管道使用橡胶软管且未装报警器": "更换金属软管，加装报警器和切断阀。",
            "{place}老旧小区燃气立管锈蚀": "纳入老旧管网改造计划，改造前加密巡检。",
            "{place}某餐饮店违规使用液化石油气钢瓶": "清退不合格钢瓶，引导改用管道燃气，落实实名配送。",
            "{town}燃气中压管线被违章建筑占压": "依法拆除占压建筑，设置管线标识桩，纳入日常巡线。",
        },
        supervisor="ZJ",
        cooperating=("SJ", "YJ"),
        tags=("rhino",),
    ),
    Topic(
        "societal",
        "安全生产/消防",
        5,
        {
            "{place}电动自行车集中停放点违规充电": "清理飞线充电，增设集中充电设施，物业每日巡查。",
            "{place}某小区消防通道被占用": "清理占道车辆和杂物，施划消防通道标线。",
            "{place}某养老院消防设施损坏未修复": "限期修复消防设施，开展员工培训和疏散演练。",
            "{place}某“三合一”场所住宿与生产经营混设": "住宿搬离或实施防火分隔，增设独立疏散通道。",
        },
        supervisor="YJ",
        cooperating=("GA", "ZJ"),
    ),
    Topic(
        "societal",
        "安全生产/道路交通",
        4,
        {
            "{town}某路段急弯陡坡缺少防护栏": "增设防护栏和警示标志，纳入生命防护工程。",
            "{place}某学校门口缺少减速带和警示标志": "增设减速带和警示标志，上下学时段设护学岗。",
            "{place}铁路平交道口视距不良": "清除遮挡物，增设警示灯，协调铁路部门研究改造。",
        },
        rural={
            "{town}农村客运车辆超员": "联合交警专项整治，落实客运企业主体责任。",
        },
        supervisor="JT",
        cooperating=("GA",),
    ),
    Topic(
        "societal",
        "食品安全",
        5,
        {
            "{place}某学校食堂原料索证索票不全": "完善进货查验记录，落实陪餐制度，培训从业人员。",
            "{place}某小作坊无证生产豆制品": "责令停止生产，指导办理登记，加强监督抽检。",
            "{place}集贸市场散装食品无标签销售": "规范标签标识，落实市场开办方管理责任。",
        },
        rural={
            "{place}农村集体聚餐未报备": "落实聚餐报备，村食品安全协管员上门指导。",
        },
        supervisor="SJ",
        cooperating=("JY", "WJ"),
    ),
    Topic(
        "societal",
        "信访矛盾",
        7,
        {
            "{place}某小区业主因逾期交房集体上访": "领导包案，督促开发企业制定交房计划，定期通报。",
            "{place}拆迁安置补偿争议重复信访": "复核补偿标准，召开听证会，依法提出化解方案。",
        },
        rural={
            "{place}土地流转费纠纷引发群体信访": "组织人民调解，督促流转主体限期支付流转费。",
            "{place}邻里宅基地纠纷有激化风险": "村调委会调处，依确权资料明确界址，落实稳控。",
        },
        supervisor="XF",
        cooperating=("GA", "ZJ"),
        sources=(Source.PETITION, Source.REPORT),
        tags=("rhino",),
    ),
    Topic(
        "societal",
        "公共卫生",
        2,
        {
            "{place}某诊所医疗废物暂存不规范": "规范医疗废物分类暂存和交接登记，开展专项督查。",
            "{place}某学校传染病晨午检制度落实不到位": "落实晨午检和因病缺勤追踪，开展专项督导。",
        },
        rural={
            "{place}农村饮用水水源地卫生防护不达标": "完善水源地防护设施，加强水质监测。",
        },
        supervisor="WJ",
        cooperating=("JY", "HB"),
    ),
    Topic(
        "societal",
        "自然灾害",
        3,
        {
            "{place}山洪沟道行洪不畅": "清淤疏浚，完善监测预警和转移避险预案，汛前演练。",
            "{place}汛期低洼地段易积水内涝": "疏通排水设施，储备抽排设备，落实汛期值守。",
            "{town}某小型水库坝体渗漏": "降低水位运行，开展安全鉴定并除险加固。",
            "{place}森林防火重点区域防火隔离带未清理": "清理隔离带可燃物，护林员巡查，严管野外用火。",
        },
        where="town",
        supervisor="YJ",
        cooperating=("ZR", "NN"),
        tags=("swan",),
    ),
    Topic(
        "societal",
        "治安防控",
        3,
        {
            "{place}某娱乐场所存在涉黄涉赌苗头": "开展专项检查，依法查处，落实场所主体责任。",
            "{place}重点人员稳控措施落实不到位": "落实网格员包联和“一人一档”，定期走访。",
            "{place}某网吧违规接纳未成年人": "依法处罚并责令整改，落实实名登记。",
            "{place}寄递物流网点实名收寄落实不到位": "督促落实实名收寄和开箱验视，培训从业人员。",
        },
        supervisor="GA",
        sources=(Source.INTELLIGENCE, Source.INSPECTION),
    ),
    Topic(
        "political",
        "意识形态",
        2,
        {
            "{place}某培训机构教材存在不当内容": "收缴问题教材，约谈负责人，加强教材审核。",
            "{place}公共场所非法张贴宣传品": "及时清理收缴，调取监控溯源，加强重点区域巡查。",
            "{place}私设卫星电视接收设施": "依法拆除违规设施，开展宣传教育，建立排查台账。",
        },
        supervisor="WX",
        cooperating=("GA", "JY"),
        sources=(Source.INTELLIGENCE,),
        tags=("swan",),
    ),
    Topic(
        "political",
        "宗教事务",
        1.5,
        {
            "{place}私设宗教活动点": "依法依规处置，做好教育引导，纳入常态化管理。",
            "{place}境外人员非法传教苗头": "掌握人员动向，依法处置，落实包联防止反弹。",
        },
        supervisor="GA",
        sources=(Source.INTELLIGENCE,),
        tags=("swan",),
    ),
    Topic(
        "economic",
        "企业经营",
        3,
        {
            "{town}某焦化企业资金链紧张存在停产风险": "成立帮扶专班，协调金融纾困，做好职工安置预案。",
            "{place}某商贸公司预付卡经营异常": "约谈企业负责人，督促兑付或退款，引导依法维权。",
            "{town}某规上企业订单骤降存在裁员苗头": "监测经营风险，指导依法裁员和经济补偿。",
        },
        supervisor="SJ",
        cooperating=("NY", "XF"),
        tags=("rhino",),
    ),
    Topic(
        "economic",
        "欠薪",
        3,
        {
            "{place}某建筑项目拖欠农民工工资": "约谈建设和施工单位，动用工资保证金限期支付。",
            "{town}某企业连续三个月欠发工资": "责令限期支付，涉嫌拒不支付的移送公安机关。",
        },
        supervisor="ZJ",
        cooperating=("GA", "XF"),
        sources=(Source.PETITION, Source.REPORT),
        tags=("rhino",),
    ),
    Topic(
        "financial",
        "非法集资",
        3,
        {
            "{place}某养老服务机构以高息回报吸收资金": "责令停止吸收资金，监测资金流向，宣传防骗。",
            "{place}某投资咨询公司涉嫌非法集资": "依法立案查处，配合做好资金清退，防范风险外溢。",
        },
        rural={
            "{town}某农民专业合作社违规吸收社员存款": "责令停止吸收存款，清退社员资金，规范经营。",
        },
        supervisor="GA",
        cooperating=("SJ", "XF"),
        tags=("rhino", "swan"),
    ),
    Topic(
        "financial",
        "电信网络诈骗",
        3,
        {
            "{place}电信网络诈骗发案率上升": "反诈宣传进社区进村，推广国家反诈中心APP。",
            "{place}出现“两卡”违法犯罪苗头": "开展“断卡”行动，联合金融机构清理涉诈账户。",
            "{place}有人推广涉诈APP": "依法查处推广人员，联合网信部门处置涉诈APP。",
        },
        supervisor="GA",
        cooperating=("WX",),
    ),
    Topic(
        "cyber",
        "网络舆情",
        2.5,
        {
            "{town}某事件网络舆情持续发酵": "及时发布权威信息回应关切，建立联动处置机制。",
            "{place}自媒体账号发布不实信息": "依法处置造谣账号，发布澄清信息，专人值守。",
        },
        supervisor="WX",
        cooperating=("GA",),
        sources=(Source.INTELLIGENCE,),
        tags=("swan",),
    ),
    Topic(
        "cyber",
        "网络攻击",
        2,
        {
            "{town}政务网站存在高危漏洞未修复": "限期修复漏洞，开展等保测评和安全加固。",
            "{town}办公电脑使用弱口令且未装杀毒软件": "清理弱口令，部署终端防护，开展安全培训。",
            "{town}卫生院信息系统面临勒索病毒攻击风险": "修补漏洞，落实离线备份，制定应急恢复预案。",
        },
        supervisor="WX",
        cooperating=("GA",),
        tags=("swan",),
    ),
    Topic(
        "food",
        "",
        3,
        {
            "{place}耕地“非粮化”问题": "制定整改方案，恢复粮食生产，纳入耕地保护考核。",
            "{town}某粮库储粮设施老化": "维修更新储粮设施，加强粮情监测和安全检查。",
            "{place}撂荒地未及时复耕": "摸清撂荒底数，引导流转托管，限期复耕复种。",
        },
        where="town",
        supervisor="NN",
        cooperating=("ZR", "SJ"),
    ),
    Topic(
        "ecological",
        "环境污染",
        3.5,
        {
            "{place}某企业废气超标排放": "责令停产整治，依法立案查处，安装在线监测设备。",
            "{place}河道发现非法排污口": "封堵排污口，开展溯源排查，落实河长制巡查。",
            "{town}某洗煤厂煤泥露天堆放扬尘": "实施封闭储存，落实洒水抑尘，加强执法检查。",
            "{place}“散乱污”企业死灰复燃": "断水断电、清除设备，纳入网格化动态监管。",
        },
        supervisor="HB",
        cooperating=("ZR", "NN"),
    ),
    Topic(
        "ecological",
        "地质灾害",
        2.5,
        {
            "{place}山体存在滑坡隐患": "设置监测点和警示标志，群测群防，必要时搬迁避让。",
            "{place}采空区地面塌陷威胁民房": "组织受威胁群众避让，委托勘查设计实施治理。",
            "{town}某路段边坡崩塌隐患": "清理危岩体，实施边坡防护工程，汛期加密巡查。",
        },
        where="town",
        supervisor="ZR",
        cooperating=("YJ",),
        tags=("swan",),
    ),
    Topic(
        "resource",
        "",
        2,
        {
            "{place}非法占用耕地建房": "依法拆除违法建筑，恢复耕地原状。",
            "{town}地下水超采": "关停违规取水井，实行取水总量控制，推广节水灌溉。",
            "{place}私挖滥采砂石资源": "依法查处盗采行为，没收违法所得，组织生态修复。",
        },
        where="town",
        supervisor="ZR",
        cooperating=("NN", "GA"),
    ),
    Topic(
        "data",
        "数据泄露",
        2.5,
        {
            "{town}政务数据共享平台账号管理不规范": "清理冗余账号，落实最小权限和操作审计。",
            "{place}某物业公司业主信息泄露": "责令整改并依法处罚，通知受影响业主。",
            "{place}网格采集的个人信息存放不规范": "规范采集存储流程，加密存放，专人管理。",
        },
        supervisor="WX",
        cooperating=("GA",),
    ),
    Topic(
        "biosecurity",
        "",
        2,
        {
            "{place}某实验室病原微生物样本管理不规范": "规范样本登记和储存，落实双人双锁管理。",
        },
        rural={
            "{place}养殖场非洲猪瘟防控消毒措施不到位": "落实消毒和无害化处理，加强疫情监测排查。",
            "{place}发现外来入侵物种刺萼龙葵": "组织人工铲除并焚烧处理，设监测点跟踪复查。",
        },
        supervisor="NN",
        cooperating=("WJ", "HB"),
        tags=("swan",),
    ),
    Topic(
        "cultural",
        "",
        1.5,
        {
            "{place}文物保护单位安全防护设施缺失": "完善安防和消防设施，落实文物看护责任。",
            "{place}书摊销售非法出版物": "依法收缴非法出版物，加强文化市场检查。",
        },
        cooperating=("GA",),
    ),
    Topic(
        "science-technology",
        "",
        1,
        {
            "{town}某高新技术企业核心技术人员与境外机构接触频繁": "开展保密和反间谍教育，完善人员管理。",
            "{town}某企业科研数据外发管控不严": "落实数据出境安全评估，加强技术秘密保护。",
        },
        cooperating=("GA", "WX"),
        sources=(Source.INTELLIGENCE,),
        tags=("swan",),
    ),
    Topic(
        "homeland",
        "",
        1,
        {
            "{place}军事管理区周边新建高层建筑": "依法开展审批核查，落实军事设施保护要求。",
            "{place}有境外人员在敏感区域周边拍摄测绘": "加强巡查管控，可疑情况及时报告国家安全机关。",
        },
        supervisor="ZR",
        cooperating=("GA",),
        sources=(Source.INTELLIGENCE,),
        tags=("swan",),
    ),
    Topic(
        "nuclear",
        "",
        1,
        {
            "{place}某医院放射源贮存库安防设施不完善": "完善实体防护和视频监控，落实双人双锁。",
            "{town}某企业废旧放射源未及时收贮": "限期送交有资质单位收贮，加强辐射监测。",
            "{place}某工地探伤作业射线装置管理不规范": "规范使用登记，划定控制区，佩戴个人剂量计。",
        },
        supervisor="HB",
        cooperating=("WJ", "GA"),
        tags=("swan",),
    ),
    Topic(
        "military",
        "",
        1,
        {
            "{place}国防光缆沿线违规施工": "立即停止施工，会同产权单位制定保护方案。",
            "{place}军事设施保护区内违规搭建": "依法拆除违规建筑，设置保护标志，加强宣传。",
        },
        cooperating=("GA", "ZR"),
    ),
    Topic(
        "overseas-interests",
        "",
        0.5,
        {
            "{town}某企业外派劳务人员所在国安全形势恶化": "建立外派人员联络台账，制定应急撤离预案。",
        },
        cooperating=("GA",),
        tags=("swan",),
    ),
    Topic(
        "artificial-intelligence",
        "",
        1,
        {
            "{place}出现利用AI换脸实施诈骗苗头": "开展防范宣传，联合公安加强预警劝阻。",
            "{town}有单位使用境外生成式AI处理工作文件": "禁止用未备案的生成式AI处理工作信息。",
        },
        supervisor="WX",
        cooperating=("GA",),
        tags=("swan",),
    ),
]
# 太空、深海、极地安全 have no topic: an inland district has no such risks to log.

LEVEL_WEIGHTS = {Level.MAJOR: 4, Level.SIGNIFICANT: 16, Level.GENERAL: 55, Level.LOW: 25}
SOURCE_WEIGHTS = {
    Source.INSPECTION: 45,
    Source.CAMPAIGN: 15,
    Source.REPORT: 12,
    Source.SUPERIOR: 10,
    Source.QUARTERLY: 6,
    Source.INTELLIGENCE: 5,
    Source.PETITION: 5,
    Source.OTHER: 2,
}
# How the description tells where a risk came from.
SOURCE_PHRASES = {
    Source.INSPECTION: "日常排查中发现",
    Source.CAMPAIGN: "专项排查整治行动中发现",
    Source.PETITION: "群众来信来访反映",
    Source.REPORT: "群众举报反映",
    Source.SUPERIOR: "上级交办",
    Source.INTELLIGENCE: "情报信息研判发现",
    Source.QUARTERLY: "季度分析研判发现",
    Source.OTHER: "工作中发现",
}
FINDINGS = (
    "现场核实情况属实，已拍照留存。",
    "经初步研判存在较大安全隐患，需限期整改。",
    "已告知相关责任主体，督促落实整改。",
    "群众反映强烈，需尽快处置。",
)
ASSIGN_TEXT = "请按整改时限完成整改，并及时报送进展。"
SIGN_TEXTS = ("", "已签收，立即组织整改。", "已签收，已安排专人负责。")
PROGRESS_TEXTS = (
    "已约谈责任主体负责人，下达限期整改通知书。",
    "已组织现场复查，整改已完成约{pct}%。",
    "整改资金已落实，正在组织施工。",
    "已会同配合单位联合检查，形成会议纪要。",
    "已建立整改台账，实行每周调度。",
    "整改方案已报单位负责人审定，按方案推进。",
    "主体整改已完成，正在组织自查。",
    "已开展入户走访和宣传教育，群众情绪稳定。",
)
CLOSURE_TEXTS = (
    "整改措施已全部落实，经现场复查符合要求，申请销号。",
    "已完成整改并自查验收，佐证材料已归档，申请销号。",
)
APPROVAL_TEXTS = ("经现场核查，整改到位，同意销号。", "验收合格，同意销号，纳入常态化管理。")
RETURN_FOLLOW_UP = "已按退回意见补充整改。"
RETURN_REASONS = (
    "整改佐证材料不全，请补充现场照片后重新申请。",
    "现场复查发现仍有遗留问题，退回继续整改。",
    "长效管理措施未落实，退回完善。",
)
EXTENSION_REASONS = (
    "施工周期较长且受天气影响，申请延期。",
    "需协调多个部门联合处置，申请延期。",
    "整改资金尚在审批，申请延期。",
)
EXTENSION_APPROVAL = "同意延期。"
EXTENSION_REFUSAL = "延期理由不充分，请按原时限完成整改。"
HANDOVER_REASON = "该问题属行业主管部门职责范围，申请转办。"
HANDOVER_ACCEPTANCE = "已接收，按职责办理。"
HANDOVER_REFUSAL = "经核实属属地管理事项，请属地继续办理。"
WITHDRAW_REASONS = (
    "经核实为重复登记，予以撤销。",
    "经现场核查，反映情况不属实，予以撤销。",
    "已并入专项整治行动统一处置，予以撤销。",
)
REOPEN_REASONS = ("回访发现问题反弹，重新打开继续整改。", "群众再次反映，核查后问题未彻底解决。")
