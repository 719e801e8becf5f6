/*
 * npm run db:seed: a small, realistic Russian catalog to try the API with
 * (GraphiQL, grpcurl, psql): 24 events on rivers and lakes across Russia,
 * each in its own time zone, with one to three price tiers, published by one
 * organizer (sub 5eed0000-0000-4000-8000-000000000001; get a token with
 * `npm run -s token -- --role organizer --sub 5eed0000-0000-4000-8000-000000000001`).
 *
 * Everything goes through the same SQL functions as the API (create_event,
 * set_event_time_zone, publish_event) as that organizer, so every rule holds.
 * Runs against the configured database (the embedded default when
 * DATABASE_URL is unset); a second run adds nothing.
 */
import pg from "pg";
import { loadConfigOrExit } from "../config/env.ts";
import { claimsToPgSettings } from "../auth/claims.ts";
import { openDatabase } from "./database.ts";
import { migrateDatabase, releaseMigrationPools } from "./migrations.ts";

const ORGANIZER = "5eed0000-0000-4000-8000-000000000001";
const DAY = 86_400_000;

/** [title, description, category, place, latitude, longitude, IANA zone, local start hour, days, tiers]. */
type Seed = [string, string, string, string, number, number, string, number, number, [string, number, number | null][]];
const EVENTS: Seed[] = [
  ["Сплав по реке Чусовая", "Три дня по самой известной реке Урала: скалы-бойцы, ночёвки в палатках, уха на костре.", "rafting", "Усть-Утка, Свердловская область", 57.55, 59.05, "Asia/Yekaterinburg", 9, 3, [["Взрослый", 14500, null], ["Детский (10–14 лет)", 9900, 4]]],
  ["Катамараны на Катуни", "Пороги третьей категории на катамаранах-четвёрках, опытные инструкторы, каски и гидрокостюмы включены.", "rafting", "Чемал, Республика Алтай", 51.41, 86.0, "Asia/Barnaul", 10, 2, [["Стандарт", 12000, null]]],
  ["Рафтинг на Мзымте", "Полдня на бурной воде у Красной Поляны, трансфер из Адлера.", "rafting", "Красная Поляна, Сочи", 43.68, 40.2, "Europe/Moscow", 11, 0, [["Взрослый", 3500, null], ["Семейный (2+1)", 8900, 5]]],
  ["Сплав по Белой для начинающих", "Спокойная вода, пещера Шульган-Таш, баня после маршрута.", "rafting", "Старосубхангулово, Башкирия", 53.1, 57.4, "Asia/Yekaterinburg", 9, 4, [["Стандарт", 18900, null]]],
  ["Байдарочный поход по Вуоксе", "Шхеры Карельского перешейка на байдарках, две ночёвки на островах.", "kayaking", "Лосево, Ленинградская область", 60.68, 29.99, "Europe/Moscow", 10, 2, [["Место в байдарке", 9800, null]]],
  ["Kayak tour on the Neva at sunset", "Two hours past the bridges and palaces of St Petersburg; English-speaking guide.", "kayaking", "Санкт-Петербург", 59.94, 30.31, "Europe/Moscow", 20, 0, [["Adult", 4500, null]]],
  ["Каякинг в Кандалакшском заливе", "Морские каяки на Белом море: острова, тюлени, белые ночи.", "kayaking", "Кандалакша, Мурманская область", 67.15, 32.41, "Europe/Moscow", 9, 5, [["Стандарт", 32000, null], ["Своё снаряжение", 26000, null]]],
  ["Поход на байдарках по Мсте", "Боровичские пороги и древние сёла, маршрут для семей.", "kayaking", "Боровичи, Новгородская область", 58.39, 33.92, "Europe/Moscow", 10, 3, [["Взрослый", 11500, null], ["Детский", 7500, 6]]],
  ["SUP-прогулка по Неве на закате", "Сапы, спасжилеты и фото включены; подходит новичкам.", "sup", "Санкт-Петербург", 59.95, 30.32, "Europe/Moscow", 19, 0, [["Стандарт", 3200, null]]],
  ["Сапбординг на Телецком озере", "Прозрачная вода, водопад Корбу, обед на берегу.", "sup", "Артыбаш, Республика Алтай", 51.79, 87.25, "Asia/Barnaul", 10, 0, [["Стандарт", 5500, null]]],
  ["SUP на Байкале: бухта Листвянки", "Утренняя прогулка по Байкалу на сапах, термосы с чаем.", "sup", "Листвянка, Иркутская область", 51.85, 104.87, "Asia/Irkutsk", 8, 0, [["Стандарт", 4900, null]]],
  ["Сап-марафон по Волге", "Двадцать километров по Волге для подготовленных райдеров.", "sup", "Нижний Новгород", 56.33, 44.0, "Europe/Moscow", 7, 0, [["Участник", 2500, null]]],
  ["Яхтинг на Ладожском озере", "Неделя под парусом: Валаам, шхеры, навигация для новичков.", "sailing", "Сортавала, Карелия", 61.7, 30.69, "Europe/Moscow", 12, 6, [["Каюта на двоих", 64000, 8], ["Место в кубрике", 42000, null]]],
  ["Парусная регата на Онежском озере", "Двухдневная регата на швертботах, судейство и призы.", "sailing", "Петрозаводск, Карелия", 61.79, 34.39, "Europe/Moscow", 10, 1, [["Экипаж", 25000, null]]],
  ["Sailing weekend on the Gulf of Finland", "Two days on a 40-foot yacht from Kronstadt; skipper and meals included.", "sailing", "Кронштадт", 59.99, 29.77, "Europe/Moscow", 10, 1, [["Berth", 22000, null]]],
  ["Яхтинг в Калининградском заливе", "Под парусом вдоль Балтийской косы, уроки управления яхтой.", "sailing", "Калининград", 54.7, 20.5, "Europe/Kaliningrad", 11, 0, [["Стандарт", 7000, null]]],
  ["Дайвинг на Белом море", "Погружения под лёд и в полярную воду с инструктором, снаряжение включено.", "diving", "Беломорская биостанция МГУ", 66.55, 33.1, "Europe/Moscow", 10, 2, [["С сертификатом", 38000, null]]],
  ["Погружения в озере Байкал", "Подводные скалы и губки Байкала, два погружения в день.", "diving", "Листвянка, Иркутская область", 51.86, 104.85, "Asia/Irkutsk", 9, 1, [["Два погружения", 15000, null], ["Пробное погружение", 6500, 4]]],
  ["Дайвинг в Японском море", "Морские звёзды, осьминоги и затонувший пароход у острова Русский.", "diving", "Владивосток", 43.03, 131.9, "Asia/Vladivostok", 9, 0, [["Стандарт", 9800, null]]],
  ["Снорклинг на Камчатке", "Бухта Авачинская, морские котики и вулканы на горизонте.", "diving", "Петропавловск-Камчатский", 53.0, 158.65, "Asia/Kamchatka", 10, 0, [["Стандарт", 12500, null]]],
  ["Рыбалка на Енисее", "День на катере с местным рыбаком, уха на берегу.", "other", "Красноярск", 56.01, 92.87, "Asia/Krasnoyarsk", 6, 0, [["Место в лодке", 8000, null]]],
  ["Прогулка на катере по Оби", "Вечерняя прогулка по Новосибирскому водохранилищу.", "other", "Новосибирск", 55.03, 82.92, "Asia/Novosibirsk", 18, 0, [["Стандарт", 2200, null]]],
  ["Фестиваль на воде в Самаре", "Гонки на драконах, сап-эстафета и концерт на набережной Волги.", "other", "Самара", 53.2, 50.15, "Europe/Samara", 12, 0, [["Вход", 0, null]]],
  ["Сплав по Лене к Ленским столбам", "Неделя по Лене: столбы, тайга, белые ночи Якутии.", "rafting", "Якутск", 62.03, 129.73, "Asia/Yakutsk", 9, 6, [["Стандарт", 89000, 10]]],
];

/** A date `days` from now at `hour`:00 local time in `zone`, as an instant. */
function localStart(days: number, hour: number, zone: string): Date {
  const day = new Date(Date.now() + days * DAY);
  const utcGuess = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour);
  // The zone's offset at that moment, from the platform's tz database.
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .formatToParts(new Date(utcGuess))
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  const shown = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return new Date(utcGuess - (shown - utcGuess));
}

const db = await openDatabase(loadConfigOrExit());
try {
  await migrateDatabase(db);
  releaseMigrationPools();
  const client = new pg.Client({ connectionString: db.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("select count(*)::int as n from app_public.event where organizer_id = $1", [ORGANIZER]);
    if (rows[0].n > 0) {
      console.log(`db:seed: the seed organizer already has ${rows[0].n} events; nothing added`);
    } else {
      const settings = claimsToPgSettings({ sub: ORGANIZER, roles: ["organizer"], raw: {} });
      for (const [i, [title, description, category, place, latitude, longitude, zone, hour, days, tiers]] of EVENTS.entries()) {
        const startsAt = localStart(7 + i * 3, hour, zone);
        const endsAt = new Date(startsAt.getTime() + (days > 0 ? days * DAY : 3 * 3600_000));
        await client.query("begin");
        for (const [key, value] of Object.entries(settings)) await client.query("select set_config($1, $2, true)", [key, value]);
        const { rows: created } = await client.query(
          `select id from app_public.create_event(
             title => $1, description => $2, category => $3, location_name => $4, latitude => $5, longitude => $6,
             starts_at => $7, ends_at => $8, capacity => $9, booking_deadline_hours => $10,
             price_tiers => array(select row(t->>0, (t->>1)::numeric, 'RUB', (t->>2)::int)::app_public.price_tier_input
                                  from jsonb_array_elements($11::jsonb) t))`,
          [title, description, category, place, latitude, longitude, startsAt, endsAt, 8 + (i % 5) * 4, days > 0 ? 48 : 3, JSON.stringify(tiers)],
        );
        await client.query("select app_public.set_event_time_zone($1, $2)", [created[0].id, zone]);
        // Every fifth stays a draft: visible to its organizer only.
        if (i % 5 !== 4) await client.query("select app_public.publish_event($1)", [created[0].id]);
        await client.query("commit");
      }
      console.log(`db:seed: ${EVENTS.length} events of organizer ${ORGANIZER} (${EVENTS.length - Math.floor(EVENTS.length / 5)} published)`);
    }
  } finally {
    await client.end();
  }
} finally {
  await db.stop();
}
