/*
 * GraphQL ↔ gRPC parity: for every SQL function and table in app_public that
 * GraphQL exposes, the EventService RPCs that reach the same SQL, or the
 * reason it is deliberately GraphQL-only. The API gateway reaches this
 * service only through gRPC, so a GraphQL-only operation is a dead end for
 * its clients unless it is one of the reasons below.
 *
 * test/grpc/parity.test.ts derives the exposed set from the database catalog
 * and the schema PostGraphile builds, and fails when: something exposed is
 * missing here (a new SQL function or table: add an RPC, or a reason); an
 * entry names nothing that exists; an RPC named here is not in the proto; a
 * mapped SQL name is referenced nowhere in src/grpc/; or an RPC of the proto
 * is in no entry. Keys are function names, and `table:<name>` for tables
 * (read under RLS).
 */

export type Parity =
  /** RPCs whose handlers run this SQL function or read this table. */
  | { rpcs: string[] }
  /** Deliberately GraphQL-only, and why (what a gRPC caller does instead). */
  | { oneSided: string };

export const parity: Record<string, Parity> = {
  // Events and the catalog.
  create_event: { rpcs: ["CreateEvent"] },
  update_event: { rpcs: ["UpdateEvent"] },
  publish_event: { rpcs: ["PublishEvent"] },
  cancel_event: { rpcs: ["CancelEvent"] },
  search_events: { rpcs: ["ListEvents"] },
  retry_crew_assignment: { rpcs: ["RetryCrewAssignment"] },
  assign_crew_manually: { rpcs: ["AssignCrewManually"] },
  add_price_tier: { rpcs: ["AddPriceTier"] },
  update_price_tier: { rpcs: ["UpdatePriceTier"] },
  remove_price_tier: { rpcs: ["RemovePriceTier"] },
  set_event_max_seats_per_booking: { rpcs: ["SetEventMaxSeatsPerBooking"] },
  event_seats_taken: { rpcs: ["GetEvent", "ListEvents"] },
  event_seats_available: { rpcs: ["GetEvent", "ListEvents"] },
  event_price_tier_seats_taken: { rpcs: ["GetEvent", "ListEvents"] },
  event_price_tier_seats_available: { rpcs: ["GetEvent", "ListEvents"] },
  event_rating_summary: { rpcs: ["GetEvent", "ListEvents", "ListReviews"] },
  event_distance_km: {
    oneSided:
      "a per-query computed field of GraphQL's searchEvents; gRPC ListEvents filters by the same distance (near_latitude/near_longitude/radius_km) and the gateway has the coordinates to compute it",
  },
  event_min_price: { rpcs: ["GetEvent", "ListEvents"] },
  set_event_time_zone: { rpcs: ["SetEventTimeZone"] },
  event_is_favorite: { oneSided: "a per-caller field on Event; gRPC callers use ListFavorites (my_favorite_events)" },
  event_my_booking: {
    oneSided: "a per-caller field on Event; gRPC callers use ListBookings with event_id and their own user_id",
  },
  event_my_review: { oneSided: "a per-caller field on Event; gRPC callers use ListReviews with event_id and only_mine" },
  "table:event": { rpcs: ["GetEvent", "ListEvents"] },
  "table:event_price_tier": { rpcs: ["GetEvent", "ListEvents"] },
  "table:event_category": { rpcs: ["ListCategories"] },

  // A person's data (GDPR).
  export_user_data: { rpcs: ["ExportUserData"] },
  erase_user_data: { rpcs: ["EraseUserData"] },

  // Favorites.
  add_favorite: { rpcs: ["AddFavorite"] },
  remove_favorite: { rpcs: ["RemoveFavorite"] },
  my_favorite_events: { rpcs: ["ListFavorites"] },
  "table:favorite": {
    oneSided: "the caller's favorite rows; gRPC answers them as events (ListFavorites, my_favorite_events)",
  },

  // Bookings, payments, promo codes.
  quote_booking: { rpcs: ["QuoteBooking"] },
  create_booking: { rpcs: ["CreateBooking"] },
  cancel_booking: { rpcs: ["CancelBooking"] },
  initiate_payment: { rpcs: ["InitiatePayment"] },
  confirm_payment: { rpcs: ["ConfirmPayment"] },
  fail_payment: { rpcs: ["FailPayment"] },
  refund_payment: { rpcs: ["RefundPayment"] },
  create_promo_code: { rpcs: ["CreatePromoCode"] },
  deactivate_promo_code: { rpcs: ["DeactivatePromoCode"] },
  promo_code_uses_left: { rpcs: ["CreatePromoCode", "ListPromoCodes", "DeactivatePromoCode"] },
  "table:booking": { rpcs: ["GetBooking", "ListBookings"] },
  "table:payment": { rpcs: ["GetBooking", "GetPaymentByGatewayReference"] },
  "table:refund": { rpcs: ["GetPaymentByGatewayReference"] },

  // Tickets and check-in (185-tickets of migration 000009).
  reissue_tickets: { rpcs: ["ReissueTickets"] },
  check_in_ticket: { rpcs: ["ScanTicket"] },
  undo_check_in: { rpcs: ["UndoCheckIn"] },
  check_in_batch: { rpcs: ["UploadScans"] },
  event_tickets_valid: { rpcs: ["GetCheckInCounts"] },
  event_checked_in_count: { rpcs: ["GetCheckInCounts"] },
  "table:ticket": { rpcs: ["ListTickets"] },
  "table:promo_code": { rpcs: ["ListPromoCodes"] },

  // Waiting list.
  join_waitlist: { rpcs: ["JoinWaitlist"] },
  leave_waitlist: { rpcs: ["LeaveWaitlist"] },
  accept_offer: { rpcs: ["AcceptWaitlistOffer"] },
  decline_offer: { rpcs: ["DeclineWaitlistOffer"] },
  set_waitlist_policy: { rpcs: ["SetWaitlistPolicy"] },
  pause_waitlist_offers: { rpcs: ["PauseWaitlistOffers"] },
  resume_waitlist_offers: { rpcs: ["ResumeWaitlistOffers"] },
  "table:waitlist_entry": { rpcs: ["ListWaitlistEntries", "JoinWaitlist", "LeaveWaitlist", "DeclineWaitlistOffer"] },

  // Reviews.
  create_review: { rpcs: ["CreateReview"] },
  update_review: { rpcs: ["UpdateReview"] },
  delete_review: { rpcs: ["DeleteReview"] },
  moderate_review: { rpcs: ["ModerateReview"] },
  mark_review_helpful: { rpcs: ["MarkReviewHelpful"] },
  unmark_review_helpful: { rpcs: ["UnmarkReviewHelpful"] },
  search_reviews: { rpcs: ["ListReviews"] },
  create_admin_review: { rpcs: ["CreateAdminReview"] },
  reply_to_review: { rpcs: ["ReplyToReview"] },
  moderate_review_reply: { rpcs: ["ModerateReviewReply"] },
  delete_review_reply: { rpcs: ["DeleteReviewReply"] },
  "table:review_reply": { rpcs: ["ListReviews", "CreateReview", "UpdateReview"] },
  review_is_marked_helpful: { rpcs: ["ListReviews", "CreateReview", "MarkReviewHelpful"] },
  "table:review": { rpcs: ["ListReviews"] },
  "table:review_helpful_vote": {
    oneSided: "the caller's own votes; gRPC shows each as Review.marked_helpful (review_is_marked_helpful)",
  },

  // Who is calling.
  current_user_id: { oneSided: "the token's subject: the gateway has the token it forwards" },
  current_user_roles: { oneSided: "the token's realm roles: the gateway has the token it forwards" },
  has_role: { oneSided: "a check on the token's realm roles: the gateway has the token it forwards" },
};
