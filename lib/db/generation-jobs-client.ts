import { createClient } from '@/lib/supabase/client';
import { assetQueries } from './assets-core';
import { budgetQueries } from './budgets-core';
import { bindClient } from './client-binding';
import { generationJobQueries } from './generation-jobs-core';
import { monitoringQueries } from './monitoring-core';
import { projectQueries } from './projects-core';
import { webhookQueries } from './webhooks-core';

/** Generation-job helpers for client components: the shared core bound to the browser client. */
const jobs = bindClient(createClient, generationJobQueries);
const projects = bindClient(createClient, projectQueries);
const assets = bindClient(createClient, assetQueries);
const budgets = bindClient(createClient, budgetQueries);
const webhooks = bindClient(createClient, webhookQueries);
const monitoring = bindClient(createClient, monitoringQueries);

export const getGenerationJobsClient = jobs.getGenerationJobs;
export const getProjectJobsClient = jobs.getProjectJobs;
export const getJobsByStatusClient = jobs.getJobsByStatus;
export const getGenerationJobClient = jobs.getGenerationJob;
export const createGenerationJobClient = jobs.createGenerationJob;
export const updateGenerationJobClient = jobs.updateGenerationJob;
export const transitionJobStatusClient = jobs.transitionJobStatus;
export const cancelGenerationJobClient = jobs.cancelGenerationJob;
export const retryGenerationJobClient = jobs.retryGenerationJob;
export const getJobEventsClient = jobs.getJobEvents;
export const getGenerationModesClient = jobs.getGenerationModes;
export const deleteGenerationJobClient = jobs.deleteGenerationJob;
export const getJobStatisticsClient = jobs.getJobStatistics;
export const getRecentJobsClient = jobs.getRecentJobs;
export const getTotalCostsClient = jobs.getTotalCosts;
export const getArchivedJobsClient = jobs.getArchivedJobs;

export const getJobMetricsClient = monitoring.getJobMetrics;
export const getJobTimeseriesClient = monitoring.getJobTimeseries;
export const getLiveWorkersClient = monitoring.getLiveWorkers;
export const getStuckJobsClient = monitoring.getStuckJobs;

export const getProjectsClient = projects.getProjects;
export const createProjectClient = projects.createProject;
export const getProjectAssetsClient = projects.getProjectAssets;
export const createAssetClient = projects.createAsset;
export const uploadAssetClient = assets.uploadAsset;
export const deleteAssetClient = assets.deleteAsset;
export const getAssetThumbnailUrlsClient = assets.getAssetThumbnailUrls;
export const getAssetFileUrlsClient = assets.getAssetFileUrls;
export { PRODUCT_IMAGES_BUCKET } from './assets-core';

export const getBudgetsClient = budgets.getBudgets;
export const setBudgetClient = budgets.setBudget;
export const deleteBudgetClient = budgets.deleteBudget;
export const getBudgetUsageClient = budgets.getBudgetUsage;
export const getSpendClient = budgets.getSpend;

export const getWebhookEndpointsClient = webhooks.getWebhookEndpoints;
export const createWebhookEndpointClient = webhooks.createWebhookEndpoint;
export const updateWebhookEndpointClient = webhooks.updateWebhookEndpoint;
export const deleteWebhookEndpointClient = webhooks.deleteWebhookEndpoint;
export const revealWebhookSecretClient = webhooks.revealWebhookSecret;
export const rotateWebhookSecretClient = webhooks.rotateWebhookSecret;
export const sendWebhookTestClient = webhooks.sendWebhookTest;
export const replayWebhookDeliveryClient = webhooks.replayWebhookDelivery;
export const getWebhookDeliveryClient = webhooks.getWebhookDelivery;
export const getWebhookDeliveriesClient = webhooks.getWebhookDeliveries;

export * from './budget-types';
export * from './errors';
export * from './job-types';
export * from './webhook-types';
export * from './monitoring-types';
