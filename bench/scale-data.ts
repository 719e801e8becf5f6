/*
 * The scale data set of `npm run bench -- --scale` (issue 20): 100k events
 * with realistic Russian titles and descriptions, places across Russia with
 * their time zones, ~170k price tiers, 1M bookings with payments, 150k
 * reviews. Set-based SQL only (generate_series, one INSERT … SELECT per
 * table), run as the superuser with triggers off (session_replication_role =
 * replica): a bulk load, not a test of the use-case functions. What the
 * triggers would keep (the seat counter rows of 190-hot-path of migration 000009, event_stats)
 * is computed once at the end, from the rows themselves.
 */

/** A place on the water: name, coordinates, IANA zone. */
const PLACES: [string, number, number, string][] = [
  ["река Чусовая, Усть-Утка", 57.55, 59.05, "Asia/Yekaterinburg"],
  ["река Катунь, Чемал", 51.41, 86.0, "Asia/Barnaul"],
  ["река Чуя, Алтай", 50.1, 87.6, "Asia/Barnaul"],
  ["Телецкое озеро, Артыбаш", 51.79, 87.25, "Asia/Barnaul"],
  ["река Вуокса, Лосево", 60.68, 29.99, "Europe/Moscow"],
  ["Нева, Санкт-Петербург", 59.94, 30.31, "Europe/Moscow"],
  ["Ладожское озеро, Сортавала", 61.7, 30.69, "Europe/Moscow"],
  ["Онежское озеро, Петрозаводск", 61.79, 34.39, "Europe/Moscow"],
  ["Белое море, Кандалакша", 67.15, 32.41, "Europe/Moscow"],
  ["река Шуя, Карелия", 61.98, 33.9, "Europe/Moscow"],
  ["озеро Селигер, Осташков", 57.15, 33.1, "Europe/Moscow"],
  ["река Мста, Боровичи", 58.39, 33.92, "Europe/Moscow"],
  ["Волга, Нижний Новгород", 56.33, 44.0, "Europe/Moscow"],
  ["Волга, Самара", 53.2, 50.15, "Europe/Samara"],
  ["река Ока, Таруса", 54.72, 37.18, "Europe/Moscow"],
  ["река Мзымта, Красная Поляна", 43.68, 40.2, "Europe/Moscow"],
  ["Куршская коса, Зеленоградск", 55.0, 20.6, "Europe/Kaliningrad"],
  ["река Белая, Башкирия", 53.9, 57.3, "Asia/Yekaterinburg"],
  ["река Кама, Пермь", 58.01, 56.25, "Asia/Yekaterinburg"],
  ["Обь, Новосибирск", 55.03, 82.92, "Asia/Novosibirsk"],
  ["Иртыш, Омск", 54.99, 73.37, "Asia/Omsk"],
  ["Енисей, Красноярск", 56.01, 92.87, "Asia/Krasnoyarsk"],
  ["озеро Байкал, Листвянка", 51.85, 104.87, "Asia/Irkutsk"],
  ["река Лена, Якутск", 62.03, 129.73, "Asia/Yakutsk"],
  ["Амур, Хабаровск", 48.48, 135.08, "Asia/Vladivostok"],
  ["Авачинская бухта, Камчатка", 53.0, 158.65, "Asia/Kamchatka"],
];

/** Title patterns by category; %s is the short place name. */
const TITLES: [string, string[]][] = [
  ["rafting", ["Сплав по реке %s", "Рафтинг на %s: два дня порогов", "Сплавы на катамаранах — %s", "Семейный сплав: %s"]],
  ["kayaking", ["Байдарочный поход: %s", "Каякинг по %s с ночёвкой", "Sea kayaking: %s", "Поход на байдарках — %s"]],
  ["sup", ["SUP-прогулка на закате: %s", "Сапбординг для начинающих — %s", "SUP tour: %s"]],
  ["sailing", ["Яхтинг: %s", "Парусная регата — %s", "Sailing weekend: %s"]],
  ["diving", ["Дайвинг: %s", "Погружения с инструктором — %s", "Снорклинг и дайвинг: %s"]],
  ["other", ["Рыбалка на лодке: %s", "Прогулка на катере — %s", "Фестиваль на воде: %s"]],
];

const DESCRIPTIONS = [
  "Опытные инструкторы, всё снаряжение включено. Ночёвка в палатках на берегу, ужин у костра.",
  "Маршрут для новичков и семей с детьми от 12 лет. Спасжилеты и каски выдаём.",
  "Пороги третьей категории сложности, нужна хорошая физическая форма. Трансфер от вокзала.",
  "Two days on the river with an experienced guide; tents, meals and transfer included.",
  "Живописные берега, купание, баня после сплава. Возьмите тёплую одежду и сменную обувь.",
  "Небольшая группа до 12 человек, фото и видео с маршрута в подарок.",
];

const sqlArray = (values: string[]) => `(array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(",")}])`;

/** Statements in order; each is one set-based step the harness times. */
export function scaleDataSql(events: number, bookings: number, reviews: number): [string, string][] {
  const placeNames = sqlArray(PLACES.map((p) => p[0]));
  const shortNames = sqlArray(PLACES.map((p) => p[0].split(",")[0]!.replace(/^(река|озеро) /, "")));
  const lats = `(array[${PLACES.map((p) => p[1]).join(",")}]::float8[])`;
  const lons = `(array[${PLACES.map((p) => p[2]).join(",")}]::float8[])`;
  const zones = sqlArray(PLACES.map((p) => p[3]));
  const categories = sqlArray(TITLES.map((t) => t[0]));
  // Titles as a 2-D array, padded to 4 patterns per category.
  const titleRows = TITLES.map((t) => sqlArray([0, 1, 2, 3].map((i) => t[1][i % t[1].length]!)));
  const titles = `(array[${titleRows.join(",")}])`;
  const descriptions = sqlArray(DESCRIPTIONS);
  const P = PLACES.length;
  return [
    ["triggers off for the bulk load", "set session_replication_role = replica"],
    [
      `${events} events`,
      `insert into app_public.event (
         id, organizer_id, title, description, category, location_name, latitude, longitude,
         starts_at, ends_at, capacity, booking_deadline_hours, status, published_at, canceled_at, cancel_reason,
         time_zone, created_at)
       select
         md5('event' || g)::uuid,
         md5('organizer' || (g % 2000))::uuid,
         format(${titles}[c][1 + (g / 7) % 4], ${shortNames}[p]) || case when g % 3 = 0 then ' ' || (2026 + g % 2) else '' end,
         ${descriptions}[1 + g % 6] || ' ' || ${descriptions}[1 + (g / 6) % 6],
         ${categories}[c],
         ${placeNames}[p],
         ${lats}[p] + (random() - 0.5) * 2,
         ${lons}[p] + (random() - 0.5) * 3,
         start, start + make_interval(hours => 3 + (g % 4) * 24),
         30 + g % 90, (g % 4) * 12,
         status::app_public.event_status,
         case when status <> 'draft' then start - interval '60 days' end,
         case when status = 'canceled' then start - interval '3 days' end,
         case when status = 'canceled' then 'Высокая вода, сплав переносится' end,
         ${zones}[p], start - interval '90 days'
       from generate_series(1, ${events}) g
       cross join lateral (select
         1 + (g * 7) % ${P} as p,
         1 + (g * 13) % 6 as c,
         date_trunc('hour', now()) + make_interval(hours => ((g * 7919) % (730 * 24)) - 365 * 24) as start) x
       cross join lateral (select case
         when g % 20 = 0 then 'canceled'
         when g % 10 = 1 then 'draft'
         when start < now() then 'completed'
         else 'published' end as status) y`,
    ],
    [
      "price tiers (1–2 per event)",
      `insert into app_public.event_price_tier (id, event_id, name, price, currency, quota, sort_order)
       select md5('tier' || g || '/' || n)::uuid, md5('event' || g)::uuid,
         case n when 1 then 'Стандарт' else 'Детский' end,
         case n when 1 then 1000 + (g * 37 % 290) * 100 else 500 + (g * 37 % 140) * 100 end,
         'RUB', case n when 2 then 10 end, n
       from generate_series(1, ${events}) g
       cross join generate_series(1, case when g % 10 < 7 then 2 else 1 end) n`,
    ],
    [
      "bookable events, numbered",
      `create temp table bench_event as
       select row_number() over (order by g) as i, g as n, e.id, e.status, e.starts_at
       from generate_series(1, ${events}) g
       join app_public.event e on e.id = md5('event' || g)::uuid
       where e.status in ('published', 'completed', 'canceled')`,
    ],
    [
      `${bookings} bookings`,
      `insert into app_public.booking (
         id, event_id, user_id, price_tier_id, quantity, unit_price, subtotal, total_amount, currency,
         status, payment_deadline, confirmed_at, canceled_at, cancel_reason, expired_at, created_at)
       select md5('booking' || g)::uuid, be.id, md5('user' || ((g::bigint * 7919) % 200000))::uuid, t.id,
         q, t.price, t.price * q, t.price * q, 'RUB',
         st::app_public.booking_status, be.starts_at - interval '1 day',
         case when st = 'confirmed' then be.starts_at - interval '20 days' end,
         case when st = 'canceled' then be.starts_at - interval '10 days' end,
         case when st = 'canceled' then 'Планы изменились' end,
         case when st = 'expired' then be.starts_at - interval '15 days' end,
         be.starts_at - interval '30 days'
       from generate_series(1, ${bookings}) g
       join bench_event be on be.i = 1 + g % (select count(*) from bench_event)
       join app_public.event_price_tier t on t.id = md5('tier' || be.n || '/1')::uuid
       cross join lateral (select 1 + g % 3 as q) qq
       cross join lateral (select case
         when be.status = 'canceled' or g % 7 = 0 then 'canceled'
         when g % 10 = 3 and be.starts_at > now() then 'pending_payment'
         when g % 10 = 3 then 'expired'
         else 'confirmed' end as st) s`,
    ],
    [
      "payments of confirmed bookings",
      `insert into app_public.payment (
         id, booking_id, amount, currency, method, status, payment_url, gateway_reference,
         initiated_by, confirmed_at, created_at)
       select md5('payment' || b.id)::uuid, b.id, b.total_amount, b.currency,
         (array['card', 'sbp', 'bank_transfer'])[1 + abs(hashtext(b.id::text)) % 3]::app_public.payment_method,
         'completed', 'https://pay.example/' || b.id, 'gw-' || b.id, b.user_id, b.confirmed_at, b.created_at
       from app_public.booking b where b.status = 'confirmed' and b.total_amount > 0`,
    ],
    [
      `${reviews} reviews of completed events`,
      `insert into app_public.review (id, event_id, user_id, rating, content, status, created_at)
       select md5('review' || b.id)::uuid, b.event_id, b.user_id,
         (array[5, 5, 4, 5, 3, 4, 5, 2, 4, 1])[1 + abs(hashtext(b.id::text)) % 10],
         (array['Отличный сплав, инструкторы супер!', 'Красивые места, но было холодно.',
                'Great trip, well organised.', 'Всё понравилось, поедем ещё.', 'Слишком много людей в группе.'])
           [1 + abs(hashtext(b.user_id::text)) % 5],
         'active', e.ends_at + interval '2 days'
       from app_public.booking b join app_public.event e on e.id = b.event_id
       where b.status = 'confirmed' and e.status = 'completed'
       limit ${reviews}`,
    ],
    [
      "seat counters from the live bookings",
      `insert into app_public.event_seat_counter (event_id, capacity, seats_taken, bookable_until)
       select e.id, e.capacity, least(coalesce(x.seats, 0), e.capacity),
         case when e.status = 'published' then e.starts_at - make_interval(hours => e.booking_deadline_hours) end
       from app_public.event e
       left join (select b.event_id, sum(b.quantity) as seats from app_public.booking b
                  where b.status in ('pending_payment', 'confirmed') group by b.event_id) x on x.event_id = e.id
       on conflict (event_id) do update set capacity = excluded.capacity, seats_taken = excluded.seats_taken,
         bookable_until = excluded.bookable_until`,
    ],
    [
      "tier seat counters",
      `insert into app_public.price_tier_seat_counter (price_tier_id, event_id, quota, seats_taken)
       select t.id, t.event_id, t.quota, case when t.sort_order = 1 then c.seats_taken else 0 end
       from app_public.event_price_tier t join app_public.event_seat_counter c on c.event_id = t.event_id
       on conflict (price_tier_id) do update set quota = excluded.quota, seats_taken = excluded.seats_taken`,
    ],
    ["triggers back on", "set session_replication_role = origin"],
    [
      "event_stats (prices, ratings)",
      `insert into app_hidden.event_stats
         (event_id, status, min_price, currency, rating_count, rating_average, one_star, two_stars, three_stars, four_stars, five_stars)
       select e.id, e.status, p.min_price, p.currency, coalesce(r.n, 0), r.average,
         coalesce(r.s1, 0), coalesce(r.s2, 0), coalesce(r.s3, 0), coalesce(r.s4, 0), coalesce(r.s5, 0)
       from app_public.event e
       left join (select t.event_id, min(t.price) as min_price, min(t.currency) as currency
                  from app_public.event_price_tier t group by t.event_id) p on p.event_id = e.id
       left join (select v.event_id, count(*) as n, round(avg(v.rating), 2)::double precision as average,
                    count(*) filter (where v.rating = 1) as s1, count(*) filter (where v.rating = 2) as s2,
                    count(*) filter (where v.rating = 3) as s3, count(*) filter (where v.rating = 4) as s4,
                    count(*) filter (where v.rating = 5) as s5
                  from app_public.review v where v.status = 'active' group by v.event_id) r on r.event_id = e.id
       on conflict (event_id) do update set status = excluded.status, min_price = excluded.min_price, currency = excluded.currency,
         rating_count = excluded.rating_count, rating_average = excluded.rating_average,
         one_star = excluded.one_star, two_stars = excluded.two_stars, three_stars = excluded.three_stars,
         four_stars = excluded.four_stars, five_stars = excluded.five_stars`,
    ],
    ["analyze", "analyze"],
  ];
}
