/*
 * The event snapshot on Kafka (app_hidden.event_data, docs/events.md) names
 * the event's time zone and its waiting-list policy, added by migration
 * 000009's catalog part and 210-waitlist-policy: a consumer showing local
 * times (or mirroring the list's state) learns them from EventCreated and
 * EventUpdated like every other field. Fields are only added.
 */
create or replace function app_hidden.event_data(e app_public.event) returns jsonb
  language sql stable
as $$
  select jsonb_build_object(
    'id', e.id,
    'organizerId', e.organizer_id,
    'title', e.title,
    'description', e.description,
    'category', e.category,
    'locationName', e.location_name,
    'latitude', e.latitude,
    'longitude', e.longitude,
    'startsAt', e.starts_at,
    'endsAt', e.ends_at,
    'timeZone', e.time_zone,
    'capacity', e.capacity,
    'seatsTaken', app_public.event_seats_taken(e),
    'bookingDeadlineHours', e.booking_deadline_hours,
    'status', e.status,
    'crewRequired', e.crew_required,
    'crewId', e.crew_id,
    'crewStatus', e.crew_status,
    'publishedAt', e.published_at,
    'canceledAt', e.canceled_at,
    'canceledBy', e.canceled_by,
    'cancelReason', e.cancel_reason,
    'waitlistPolicy', e.waitlist_policy,
    'waitlistPausedAt', e.waitlist_paused_at
  );
$$;
