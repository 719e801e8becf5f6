/*
 * EventService handlers for reviews: each write calls the SQL function
 * GraphQL calls (migration 4, docs/reviews.md); ListReviews reads
 * search_reviews as the caller, so RLS decides who sees which review.
 */
import {
  ReviewSort,
  ReviewStatus,
  type EventServiceServer,
  type Review,
  type ReviewReply,
} from "../gen/aquastream/event/v1/event_service.ts";
import type * as api from "../gen/aquastream/event/v1/event_service.ts";
import { unary, type CallContext } from "./call.ts";
import { fromLabel, toLabel, toRatingSummary, toTimestamp, type RatingSummaryRow } from "./convert.ts";
import { callFunction, namedArgs, optionalUuid, queryPage, uuid, type Arg } from "./sql.ts";

type ReviewHandlers = Pick<
  EventServiceServer,
  | "createReview"
  | "updateReview"
  | "deleteReview"
  | "moderateReview"
  | "markReviewHelpful"
  | "unmarkReviewHelpful"
  | "listReviews"
  | "createAdminReview"
  | "replyToReview"
  | "moderateReviewReply"
  | "deleteReviewReply"
>;

interface ReviewRow {
  id: string;
  event_id: string;
  user_id: string;
  rating: number;
  content: string;
  status: string;
  helpful_count: number;
  /** app_public.review_is_marked_helpful(r), selected with the row. */
  marked_helpful: boolean;
  moderated_by: string | null;
  moderated_at: Date | null;
  moderation_note: string | null;
  edited_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** to_jsonb of the review's reply the caller may see (RLS), selected with the row. */
  reply?: ReplyRow | null;
}

/** app_public.review_reply, as a row or through to_jsonb (times then arrive as text). */
interface ReplyRow {
  id: string;
  review_id: string;
  organizer_id: string;
  content: string;
  status: string;
  moderated_by: string | null;
  moderated_at: Date | string | null;
  moderation_note: string | null;
  edited_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/** The reply the caller may see: review_reply is read under its RLS policy. */
const REPLY_COLUMN = "(select to_jsonb(rr) from app_public.review_reply rr where rr.review_id = r.id) as reply";

/** Review rows always come with the caller's own vote (as GraphQL's isMarkedHelpful) and the visible reply. */
const REVIEW_COLUMNS = `r.*, app_public.review_is_marked_helpful(r) as marked_helpful, ${REPLY_COLUMN}`;

const time = (value: Date | string | null) => toTimestamp(value === null ? null : new Date(value));

const toReviewReply = (row: ReplyRow): ReviewReply => ({
  id: row.id,
  reviewId: row.review_id,
  organizerId: row.organizer_id,
  content: row.content,
  status: fromLabel(ReviewStatus, "REVIEW_STATUS", row.status),
  moderatedBy: row.moderated_by ?? undefined,
  moderatedAt: time(row.moderated_at),
  moderationNote: row.moderation_note ?? undefined,
  editedAt: time(row.edited_at),
  createdAt: time(row.created_at),
  updatedAt: time(row.updated_at),
});

const toReview = (row: ReviewRow): Review => ({
  id: row.id,
  eventId: row.event_id,
  userId: row.user_id,
  rating: row.rating,
  content: row.content,
  status: fromLabel(ReviewStatus, "REVIEW_STATUS", row.status),
  helpfulCount: row.helpful_count,
  markedHelpful: row.marked_helpful,
  moderatedBy: row.moderated_by ?? undefined,
  moderatedAt: toTimestamp(row.moderated_at),
  moderationNote: row.moderation_note ?? undefined,
  editedAt: toTimestamp(row.edited_at),
  createdAt: toTimestamp(row.created_at),
  updatedAt: toTimestamp(row.updated_at),
  reply: row.reply ? toReviewReply(row.reply) : undefined,
});

export function reviewHandlers(ctx: CallContext): ReviewHandlers {
  /** An RPC that calls one review function and answers with the review. */
  const reviewCall = <Req>(method: string, fn: string, args: (req: Req) => Record<string, Arg>) =>
    unary(ctx, method, async (tx, req: Req) => {
      const [row] = await callFunction<Omit<ReviewRow, "marked_helpful">>(tx, fn, args(req));
      // The caller's vote in a statement of its own: within the function's
      // statement, a stable function would not see the vote it just wrote.
      const { rows } = await tx.query<{ marked: boolean; reply: ReplyRow | null }>(
        `select app_public.review_is_marked_helpful(r) as marked, ${REPLY_COLUMN} from app_public.review r where r.id = $1`,
        [row!.id],
      );
      return { review: toReview({ ...row!, marked_helpful: rows[0]?.marked ?? false, reply: rows[0]?.reply }) };
    });

  /** An RPC that calls one reply function and answers with the reply. */
  const replyCall = <Req>(method: string, fn: string, args: (req: Req) => Record<string, Arg>) =>
    unary(ctx, method, async (tx, req: Req) => {
      const [row] = await callFunction<ReplyRow>(tx, fn, args(req));
      return { reply: toReviewReply(row!) };
    });

  return {
    createReview: reviewCall("CreateReview", "create_review", (req: api.CreateReviewRequest) => ({
      event_id: [uuid(req.eventId, "event_id"), "uuid"],
      rating: [req.rating, "integer"],
      content: [req.content, "text"],
    })),

    updateReview: reviewCall("UpdateReview", "update_review", (req: api.UpdateReviewRequest) => ({
      id: [uuid(req.id, "id"), "uuid"],
      rating: [req.rating, "integer"],
      content: [req.content, "text"],
    })),

    deleteReview: reviewCall("DeleteReview", "delete_review", (req: api.DeleteReviewRequest) => ({
      id: [uuid(req.id, "id"), "uuid"],
    })),

    moderateReview: reviewCall("ModerateReview", "moderate_review", (req: api.ModerateReviewRequest) => ({
      id: [uuid(req.id, "id"), "uuid"],
      // UNSPECIFIED passes null: SQL refuses it and names the argument.
      status: [toLabel(ReviewStatus, "REVIEW_STATUS", req.status, "status") ?? null, "app_public.review_status"],
      note: [req.note, "text"],
    })),

    markReviewHelpful: reviewCall("MarkReviewHelpful", "mark_review_helpful", (req: api.MarkReviewHelpfulRequest) => ({
      review_id: [uuid(req.reviewId, "review_id"), "uuid"],
    })),

    unmarkReviewHelpful: reviewCall("UnmarkReviewHelpful", "unmark_review_helpful", (req: api.UnmarkReviewHelpfulRequest) => ({
      review_id: [uuid(req.reviewId, "review_id"), "uuid"],
    })),

    createAdminReview: reviewCall("CreateAdminReview", "create_admin_review", (req: api.CreateAdminReviewRequest) => ({
      event_id: [uuid(req.eventId, "event_id"), "uuid"],
      rating: [req.rating, "integer"],
      content: [req.content, "text"],
    })),

    replyToReview: replyCall("ReplyToReview", "reply_to_review", (req: api.ReplyToReviewRequest) => ({
      review_id: [uuid(req.reviewId, "review_id"), "uuid"],
      content: [req.content, "text"],
    })),

    moderateReviewReply: replyCall("ModerateReviewReply", "moderate_review_reply", (req: api.ModerateReviewReplyRequest) => ({
      review_id: [uuid(req.reviewId, "review_id"), "uuid"],
      // UNSPECIFIED passes null: SQL refuses it and names the argument.
      status: [toLabel(ReviewStatus, "REVIEW_STATUS", req.status) ?? null, "app_public.review_status"],
      note: [req.note, "text"],
    })),

    deleteReviewReply: replyCall("DeleteReviewReply", "delete_review_reply", (req: api.DeleteReviewReplyRequest) => ({
      review_id: [uuid(req.reviewId, "review_id"), "uuid"],
    })),

    listReviews: unary(ctx, "ListReviews", async (tx, req: api.ListReviewsRequest) => {
      // Unset filters are not passed, so search_reviews' defaults apply (active, newest).
      const args: Record<string, Arg> = {
        event_id: [optionalUuid(req.eventId, "event_id"), "uuid"],
        status: [req.allStatuses ? null : toLabel(ReviewStatus, "REVIEW_STATUS", req.status, "status"), "app_public.review_status"],
        sort: [toLabel(ReviewSort, "REVIEW_SORT", req.sort, "sort"), "app_public.review_sort"],
        only_mine: [req.onlyMine || undefined, "boolean"],
      };
      const { sql, values } = namedArgs(args);
      const { rows, nextPageToken } = await queryPage<ReviewRow>(
        tx,
        req,
        `select ${REVIEW_COLUMNS} from app_public.search_reviews(${sql}) r
          limit $${values.length + 1} offset $${values.length + 2}`,
        values,
      );
      // With an event: its rating summary as Event.rating_summary shows it (GraphQL's Event.ratingSummary).
      let ratingSummary: api.RatingSummary | undefined;
      if (req.eventId !== undefined) {
        const summary = await tx.query<{ summary: RatingSummaryRow }>(
          "select to_jsonb(app_public.event_rating_summary(e)) as summary from app_public.event e where e.id = $1",
          [req.eventId],
        );
        if (summary.rows[0]) ratingSummary = toRatingSummary(summary.rows[0].summary);
      }
      return { reviews: rows.map(toReview), nextPageToken, ratingSummary };
    }),
  };
}
