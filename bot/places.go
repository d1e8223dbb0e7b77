package bot

import (
	"strings"

	"faqbot/index"
)

// place is a province or city a question may name.
type place struct {
	name     string // 上海, 西安
	province string // the province of a city ("" for a province or municipality)
	en       string // Latin spellings, "|"-separated
}

// placeList are China's provinces and its larger cities: enough to tell that
// a question is about somewhere a local article is not.
var placeList = func() []place {
	var out []place
	for _, s := range strings.Fields(`
北京::beijing|peking 上海::shanghai 天津::tianjin 重庆::chongqing|chungking
河北::hebei 山西::shanxi 辽宁::liaoning 吉林::jilin 黑龙江::heilongjiang 江苏::jiangsu
浙江::zhejiang 安徽::anhui 福建::fujian 江西::jiangxi 山东::shandong 河南::henan
湖北::hubei 湖南::hunan 广东::guangdong 海南::hainan 四川::sichuan 贵州::guizhou
云南::yunnan 陕西::shaanxi 甘肃::gansu 青海::qinghai 内蒙古::inner-mongolia 广西::guangxi
西藏::tibet|xizang 宁夏::ningxia 新疆::xinjiang
石家庄:河北:shijiazhuang 太原:山西:taiyuan 沈阳:辽宁:shenyang 大连:辽宁:dalian 朝阳:辽宁:chaoyang
长春:吉林:changchun 哈尔滨:黑龙江:harbin 南京:江苏:nanjing 苏州:江苏:suzhou 无锡:江苏:wuxi
徐州:江苏:xuzhou 盐城:江苏:yancheng 昆山:江苏:kunshan 常州:江苏:changzhou 南通:江苏:nantong
淮安:江苏:huai'an|huaian 杭州:浙江:hangzhou 宁波:浙江:ningbo 温州:浙江:wenzhou 合肥:安徽:hefei
福州:福建:fuzhou 厦门:福建:xiamen|amoy 泉州:福建:quanzhou 南昌:江西:nanchang 济南:山东:jinan
青岛:山东:qingdao 烟台:山东:yantai 郑州:河南:zhengzhou 洛阳:河南:luoyang 武汉:湖北:wuhan
长沙:湖南:changsha 广州:广东:guangzhou|canton 深圳:广东:shenzhen 东莞:广东:dongguan 佛山:广东:foshan
珠海:广东:zhuhai 海口:海南:haikou 三亚:海南:sanya 成都:四川:chengdu 贵阳:贵州:guiyang
昆明:云南:kunming 迪庆:云南:diqing 西安:陕西:xi'an|xian 兰州:甘肃:lanzhou 西宁:青海:xining
呼和浩特:内蒙古:hohhot 南宁:广西:nanning 拉萨:西藏:lhasa 银川:宁夏:yinchuan 乌鲁木齐:新疆:urumqi
`) {
		f := strings.SplitN(s, ":", 3)
		out = append(out, place{name: f[0], province: f[1], en: strings.ReplaceAll(f[2], "-", " ")})
	}
	return out
}()

// placeTerms are the places' terms, by place (placeList's order).
var placeTerms = func() index.TermGroups {
	groups := make([][]string, len(placeList))
	for i, p := range placeList {
		groups[i] = append([]string{p.name}, strings.Split(p.en, "|")...)
	}
	return index.NewTermGroups(groups...)
}()

// placesIn returns the places a question names.
func placesIn(question string) []place {
	var out []place
	placeTerms.Each(index.NewText(question), func(i int, _ string) bool {
		out = append(out, placeList[i])
		return true
	})
	return out
}

// placeIn is the first place text names, as the place list spells it ("" if
// none); a follow-up naming a new one drops the previous place from the
// subject it is read with.
func placeIn(text string) string {
	var first string
	placeTerms.Each(index.NewText(text), func(_ int, term string) bool {
		first = term
		return false
	})
	return first
}

// placeFits reports whether a local article's region (zh, e.g. "西安",
// "徐州、南京", "辽宁朝阳") covers place p: the region names it, its
// province, or (p a province) one of its cities.
func placeFits(region string, p place) bool {
	if strings.Contains(region, p.name) || p.province != "" && strings.Contains(region, p.province) {
		return true
	}
	for _, c := range placeList {
		if c.province == p.name && strings.Contains(region, c.name) {
			return true
		}
	}
	return false
}
