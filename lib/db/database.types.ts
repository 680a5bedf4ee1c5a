export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      assets: {
        Row: {
          bucket: string | null
          created_at: string
          height: number | null
          id: string
          kind: string
          mime_type: string
          name: string
          project_id: string
          size_bytes: number | null
          storage_path: string
          updated_at: string
          user_id: string
          width: number | null
        }
        Insert: {
          bucket?: string | null
          created_at?: string
          height?: number | null
          id?: string
          kind?: string
          mime_type: string
          name: string
          project_id: string
          size_bytes?: number | null
          storage_path: string
          updated_at?: string
          user_id?: string
          width?: number | null
        }
        Update: {
          bucket?: string | null
          created_at?: string
          height?: number | null
          id?: string
          kind?: string
          mime_type?: string
          name?: string
          project_id?: string
          size_bytes?: number | null
          storage_path?: string
          updated_at?: string
          user_id?: string
          width?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "assets_project_id_user_id_fkey"
            columns: ["project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      budgets: {
        Row: {
          created_at: string
          id: string
          monthly_limit_cents: number
          project_id: string | null
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          monthly_limit_cents: number
          project_id?: string | null
          updated_at?: string
          user_id?: string
        }
        Update: {
          created_at?: string
          id?: string
          monthly_limit_cents?: number
          project_id?: string | null
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "budgets_project_id_user_id_fkey"
            columns: ["project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      generation_jobs: {
        Row: {
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }
        Insert: {
          attempts?: number
          cancel_requested_at?: string | null
          cost_cents?: number
          created_at?: string
          error_message?: string | null
          finished_at?: string | null
          id?: string
          idempotency_key?: string | null
          input_asset_id?: string | null
          last_error?: string | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          max_attempts?: number
          mode: string
          output_asset_id?: string | null
          params?: NonNullable<Json>
          priority?: number
          project_id: string
          provider?: string
          provider_job_id?: string | null
          retry_of?: string | null
          run_at?: string
          started_at?: string | null
          status?: string
          updated_at?: string
          user_id?: string
        }
        Update: {
          attempts?: number
          cancel_requested_at?: string | null
          cost_cents?: number
          created_at?: string
          error_message?: string | null
          finished_at?: string | null
          id?: string
          idempotency_key?: string | null
          input_asset_id?: string | null
          last_error?: string | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          max_attempts?: number
          mode?: string
          output_asset_id?: string | null
          params?: NonNullable<Json>
          priority?: number
          project_id?: string
          provider?: string
          provider_job_id?: string | null
          retry_of?: string | null
          run_at?: string
          started_at?: string | null
          status?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "generation_jobs_input_asset_id_fkey"
            columns: ["input_asset_id", "project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "assets"
            referencedColumns: ["id", "project_id", "user_id"]
          },
          {
            foreignKeyName: "generation_jobs_output_asset_id_fkey"
            columns: ["output_asset_id", "project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "assets"
            referencedColumns: ["id", "project_id", "user_id"]
          },
          {
            foreignKeyName: "generation_jobs_project_id_fkey"
            columns: ["project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["id", "user_id"]
          },
          {
            foreignKeyName: "generation_jobs_retry_of_fkey"
            columns: ["retry_of"]
            isOneToOne: false
            referencedRelation: "generation_jobs"
            referencedColumns: ["id"]
          },
        ]
      }
      generation_jobs_archive: {
        Row: {
          archived_at: string
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }
        Insert: {
          archived_at?: string
          attempts: number
          cancel_requested_at?: string | null
          cost_cents: number
          created_at: string
          error_message?: string | null
          finished_at?: string | null
          id: string
          idempotency_key?: string | null
          input_asset_id?: string | null
          last_error?: string | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          max_attempts: number
          mode: string
          output_asset_id?: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id?: string | null
          retry_of?: string | null
          run_at: string
          started_at?: string | null
          status: string
          updated_at: string
          user_id: string
        }
        Update: {
          archived_at?: string
          attempts?: number
          cancel_requested_at?: string | null
          cost_cents?: number
          created_at?: string
          error_message?: string | null
          finished_at?: string | null
          id?: string
          idempotency_key?: string | null
          input_asset_id?: string | null
          last_error?: string | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          max_attempts?: number
          mode?: string
          output_asset_id?: string | null
          params?: NonNullable<Json>
          priority?: number
          project_id?: string
          provider?: string
          provider_job_id?: string | null
          retry_of?: string | null
          run_at?: string
          started_at?: string | null
          status?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "generation_jobs_archive_input_asset_id_fkey"
            columns: ["input_asset_id", "project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "assets"
            referencedColumns: ["id", "project_id", "user_id"]
          },
          {
            foreignKeyName: "generation_jobs_archive_output_asset_id_fkey"
            columns: ["output_asset_id", "project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "assets"
            referencedColumns: ["id", "project_id", "user_id"]
          },
          {
            foreignKeyName: "generation_jobs_archive_project_id_fkey"
            columns: ["project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
      generation_modes: {
        Row: {
          created_at: string
          description: string
          enabled: boolean
          max_attempts: number
          mode: string
          price_cents: number
          provider: string
          timeout_seconds: number
          updated_at: string
        }
        Insert: {
          created_at?: string
          description: string
          enabled?: boolean
          max_attempts: number
          mode: string
          price_cents: number
          provider: string
          timeout_seconds: number
          updated_at?: string
        }
        Update: {
          created_at?: string
          description?: string
          enabled?: boolean
          max_attempts?: number
          mode?: string
          price_cents?: number
          provider?: string
          timeout_seconds?: number
          updated_at?: string
        }
        Relationships: []
      }
      job_events: {
        Row: {
          actor: string
          attempt: number
          cost_cents: number
          created_at: string
          details: NonNullable<Json>
          error: string | null
          event: string
          from_status: string | null
          id: number
          job_id: string
          mode: string
          project_id: string
          provider: string
          to_status: string | null
          user_id: string
        }
        Insert: {
          actor: string
          attempt: number
          cost_cents: number
          created_at?: string
          details?: NonNullable<Json>
          error?: string | null
          event: string
          from_status?: string | null
          id?: never
          job_id: string
          mode: string
          project_id: string
          provider: string
          to_status?: string | null
          user_id: string
        }
        Update: {
          actor?: string
          attempt?: number
          cost_cents?: number
          created_at?: string
          details?: NonNullable<Json>
          error?: string | null
          event?: string
          from_status?: string | null
          id?: never
          job_id?: string
          mode?: string
          project_id?: string
          provider?: string
          to_status?: string | null
          user_id?: string
        }
        Relationships: []
      }
      job_spend: {
        Row: {
          month: string
          project_id: string
          reserved_cents: number
          settled_cents: number
          updated_at: string
          user_id: string
        }
        Insert: {
          month: string
          project_id: string
          reserved_cents?: number
          settled_cents?: number
          updated_at?: string
          user_id: string
        }
        Update: {
          month?: string
          project_id?: string
          reserved_cents?: number
          settled_cents?: number
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      job_status_transitions: {
        Row: {
          from_status: string
          to_status: string
        }
        Insert: {
          from_status: string
          to_status: string
        }
        Update: {
          from_status?: string
          to_status?: string
        }
        Relationships: [
          {
            foreignKeyName: "job_status_transitions_from_status_fkey"
            columns: ["from_status"]
            isOneToOne: false
            referencedRelation: "job_statuses"
            referencedColumns: ["status"]
          },
          {
            foreignKeyName: "job_status_transitions_to_status_fkey"
            columns: ["to_status"]
            isOneToOne: false
            referencedRelation: "job_statuses"
            referencedColumns: ["status"]
          },
        ]
      }
      job_statuses: {
        Row: {
          description: string
          is_initial: boolean
          sort_order: number
          status: string
        }
        Insert: {
          description: string
          is_initial?: boolean
          sort_order: number
          status: string
        }
        Update: {
          description?: string
          is_initial?: boolean
          sort_order?: number
          status?: string
        }
        Relationships: []
      }
      projects: {
        Row: {
          created_at: string
          id: string
          name: string
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          name: string
          updated_at?: string
          user_id?: string
        }
        Update: {
          created_at?: string
          id?: string
          name?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      webhook_attempts: {
        Row: {
          attempt: number
          delivery_id: string
          duration_ms: number | null
          endpoint_id: string
          error: string | null
          finished_at: string | null
          id: number
          response_excerpt: string | null
          started_at: string
          status_code: number | null
          user_id: string
          worker_id: string
        }
        Insert: {
          attempt: number
          delivery_id: string
          duration_ms?: number | null
          endpoint_id: string
          error?: string | null
          finished_at?: string | null
          id?: never
          response_excerpt?: string | null
          started_at?: string
          status_code?: number | null
          user_id: string
          worker_id: string
        }
        Update: {
          attempt?: number
          delivery_id?: string
          duration_ms?: number | null
          endpoint_id?: string
          error?: string | null
          finished_at?: string | null
          id?: never
          response_excerpt?: string | null
          started_at?: string
          status_code?: number | null
          user_id?: string
          worker_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_attempts_delivery_id_fkey"
            columns: ["delivery_id"]
            isOneToOne: false
            referencedRelation: "webhook_deliveries"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_deliveries: {
        Row: {
          attempts: number
          created_at: string
          delivered_at: string | null
          endpoint_id: string
          event_type: string
          id: string
          job_event_id: number | null
          job_id: string | null
          last_error: string | null
          last_status_code: number | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          message_id: string
          next_attempt_at: string
          payload: NonNullable<Json>
          project_id: string
          replay_of: string | null
          status: string
          updated_at: string
          user_id: string
        }
        Insert: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          endpoint_id: string
          event_type: string
          id?: string
          job_event_id?: number | null
          job_id?: string | null
          last_error?: string | null
          last_status_code?: number | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          message_id?: string
          next_attempt_at?: string
          payload: NonNullable<Json>
          project_id: string
          replay_of?: string | null
          status?: string
          updated_at?: string
          user_id: string
        }
        Update: {
          attempts?: number
          created_at?: string
          delivered_at?: string | null
          endpoint_id?: string
          event_type?: string
          id?: string
          job_event_id?: number | null
          job_id?: string | null
          last_error?: string | null
          last_status_code?: number | null
          lease_token?: number | null
          locked_by?: string | null
          locked_until?: string | null
          message_id?: string
          next_attempt_at?: string
          payload?: NonNullable<Json>
          project_id?: string
          replay_of?: string | null
          status?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_deliveries_endpoint_id_fkey"
            columns: ["endpoint_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "webhook_deliveries_replay_of_fkey"
            columns: ["replay_of"]
            isOneToOne: false
            referencedRelation: "webhook_deliveries"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_endpoints: {
        Row: {
          consecutive_failures: number
          created_at: string
          description: string | null
          disabled_reason: string | null
          enabled: boolean
          event_types: string[]
          id: string
          previous_secret: string | null
          previous_secret_expires_at: string | null
          project_id: string
          secret: string
          updated_at: string
          url: string
          user_id: string
        }
        Insert: {
          consecutive_failures?: number
          created_at?: string
          description?: string | null
          disabled_reason?: string | null
          enabled?: boolean
          event_types?: string[]
          id?: string
          previous_secret?: string | null
          previous_secret_expires_at?: string | null
          project_id: string
          secret?: string
          updated_at?: string
          url: string
          user_id?: string
        }
        Update: {
          consecutive_failures?: number
          created_at?: string
          description?: string | null
          disabled_reason?: string | null
          enabled?: boolean
          event_types?: string[]
          id?: string
          previous_secret?: string | null
          previous_secret_expires_at?: string | null
          project_id?: string
          secret?: string
          updated_at?: string
          url?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_endpoints_project_id_user_id_fkey"
            columns: ["project_id", "user_id"]
            isOneToOne: false
            referencedRelation: "projects"
            referencedColumns: ["id", "user_id"]
          },
        ]
      }
    }
    Views: {
      generation_job_summary: {
        Row: {
          avg_cost_cents: number | null
          job_count: number | null
          last_created_at: string | null
          project_id: string | null
          status: string | null
          total_cost_cents: number | null
          user_id: string | null
        }
        Insert: {
          avg_cost_cents?: number | null
          job_count?: number | null
          last_created_at?: string | null
          project_id?: string | null
          status?: string | null
          total_cost_cents?: number | null
          user_id?: string | null
        }
        Update: {
          avg_cost_cents?: number | null
          job_count?: number | null
          last_created_at?: string | null
          project_id?: string | null
          status?: string | null
          total_cost_cents?: number | null
          user_id?: string | null
        }
        Relationships: []
      }
    }
    Functions: {
      add_job_spend: {
        Args: {
          p_months: string[]
          p_project_ids: string[]
          p_reserved: number[]
          p_settled: number[]
          p_user_ids: string[]
        }
        Returns: undefined
      }
      cancel_generation_job: {
        Args: { job_id: string }
        Returns: {
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "generation_jobs"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      check_job_budgets: {
        Args: {
          p_action: string
          p_added: number[]
          p_jobs: number[]
          p_months: string[]
          p_project_ids: string[]
          p_user_ids: string[]
        }
        Returns: undefined
      }
      format_cents: { Args: { cents: number }; Returns: string }
      get_budget_usage: {
        Args: { for_month?: string }
        Returns: {
          limit_cents: number
          month: string
          project_id: string
          project_name: string
          reserved_cents: number
          scope: string
          settled_cents: number
        }[]
      }
      get_job_metrics: {
        Args: { since?: string; until?: string }
        Returns: {
          canceled: number
          cost_cents: number
          failed: number
          failure_rate: number
          jobs: number
          mode: string
          queue_wait_p50_ms: number
          queue_wait_p95_ms: number
          run_time_p50_ms: number
          run_time_p95_ms: number
          succeeded: number
        }[]
      }
      get_job_statistics: {
        Args: Record<PropertyKey, never>
        Returns: {
          avg_cost_cents: number
          job_count: number
          status: string
          total_cost_cents: number
        }[]
      }
      get_job_timeseries: {
        Args: {
          granularity?: string
          job_mode?: string
          since?: string
          until?: string
        }
        Returns: {
          bucket_start: string
          canceled: number
          cost_cents: number
          failed: number
          failure_rate: number
          jobs: number
          queue_wait_p50_ms: number
          queue_wait_p95_ms: number
          run_time_p50_ms: number
          run_time_p95_ms: number
          succeeded: number
        }[]
      }
      get_live_workers: {
        Args: { stale_after?: string }
        Returns: {
          concurrency: number
          last_seen_at: string
          my_job_ids: string[]
          providers: string[]
          running_jobs: number
          started_at: string
          state: string
          worker: string
        }[]
      }
      get_recent_jobs: {
        Args: { job_limit?: number }
        Returns: {
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "generation_jobs"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      get_stuck_jobs: {
        Args: { max_rows?: number; waiting_after?: string }
        Returns: {
          attempts: number
          id: string
          max_attempts: number
          mode: string
          project_id: string
          provider: string
          reason: string
          since: string
          status: string
        }[]
      }
      has_visible_text: { Args: { value: string }; Returns: boolean }
      image_params_problem: {
        Args: { p_mode: string; p_params: Json }
        Returns: string
      }
      job_event_actor: { Args: Record<PropertyKey, never>; Returns: string }
      job_spend_month: { Args: { created_at: string }; Returns: string }
      lock_job_budgets: {
        Args: { p_project_ids: string[]; p_user_ids: string[] }
        Returns: undefined
      }
      new_webhook_secret: { Args: Record<PropertyKey, never>; Returns: string }
      replay_webhook_delivery: {
        Args: { delivery_id: string }
        Returns: {
          attempts: number
          created_at: string
          delivered_at: string | null
          endpoint_id: string
          event_type: string
          id: string
          job_event_id: number | null
          job_id: string | null
          last_error: string | null
          last_status_code: number | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          message_id: string
          next_attempt_at: string
          payload: NonNullable<Json>
          project_id: string
          replay_of: string | null
          status: string
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "webhook_deliveries"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      retry_generation_job: {
        Args: { job_id: string }
        Returns: {
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "generation_jobs"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      rotate_webhook_secret: {
        Args: { endpoint_id: string }
        Returns: {
          consecutive_failures: number
          created_at: string
          description: string | null
          disabled_reason: string | null
          enabled: boolean
          event_types: string[]
          id: string
          previous_secret: string | null
          previous_secret_expires_at: string | null
          project_id: string
          secret: string
          updated_at: string
          url: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "webhook_endpoints"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      send_webhook_test: {
        Args: { endpoint_id: string }
        Returns: {
          attempts: number
          created_at: string
          delivered_at: string | null
          endpoint_id: string
          event_type: string
          id: string
          job_event_id: number | null
          job_id: string | null
          last_error: string | null
          last_status_code: number | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          message_id: string
          next_attempt_at: string
          payload: NonNullable<Json>
          project_id: string
          replay_of: string | null
          status: string
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "webhook_deliveries"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      set_budget: {
        Args: { monthly_limit_cents: number; project_id?: string }
        Returns: {
          created_at: string
          id: string
          monthly_limit_cents: number
          project_id: string | null
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "budgets"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      transition_job_status: {
        Args: { error?: string; job_id: string; new_status: string }
        Returns: {
          attempts: number
          cancel_requested_at: string | null
          cost_cents: number
          created_at: string
          error_message: string | null
          finished_at: string | null
          id: string
          idempotency_key: string | null
          input_asset_id: string | null
          last_error: string | null
          lease_token: number | null
          locked_by: string | null
          locked_until: string | null
          max_attempts: number
          mode: string
          output_asset_id: string | null
          params: NonNullable<Json>
          priority: number
          project_id: string
          provider: string
          provider_job_id: string | null
          retry_of: string | null
          run_at: string
          started_at: string | null
          status: string
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "generation_jobs"
          isOneToOne: true
          isSetofReturn: false
        }
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const

