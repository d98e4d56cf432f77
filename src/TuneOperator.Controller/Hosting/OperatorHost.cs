using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// The operator's main loop: runs every registered informer, waits until they synced, then runs the controllers,
/// behind leader election when it is enabled (losing the Lease stops them; regaining it starts them again). Shutdown
/// cancels everything, lets workers finish the key in hand, and releases the Lease.
/// </summary>
public sealed partial class OperatorHost(
    KubeApiClient client,
    IEnumerable<IControllerSet> sets,
    IOptions<OperatorOptions> options,
    OperatorHealth health,
    OperatorMetrics metrics,
    ILoggerFactory loggerFactory,
    TimeProvider time) : BackgroundService
{
    private readonly ILogger logger = loggerFactory.CreateLogger<OperatorHost>();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var all = sets.ToList();
        var informers = all.SelectMany(set => set.Informers).ToList();
        var controllers = all.SelectMany(set => set.Controllers).ToList();
        health.Track(informers);
        health.SetRunning(true);
        try
        {
            var informerTasks = informers.Select(informer => informer.RunAsync(stoppingToken)).ToList();
            try
            {
                await Task.WhenAll(informers.Select(informer => informer.ReadyAsync(stoppingToken)));
                LogSynced(logger, informers.Count);
                var election = options.Value.LeaderElection;
                if (election.Enabled)
                {
                    var elector = new LeaderElector(
                        client,
                        new LeaderElectionConfig
                        {
                            LeaseName = election.LeaseName,
                            LeaseNamespace = election.LeaseNamespace,
                            Identity = election.Identity,
                            LeaseDuration = election.LeaseDuration,
                            RenewDeadline = election.RenewDeadline,
                            RetryPeriod = election.RetryPeriod,
                        },
                        loggerFactory.CreateLogger<LeaderElector>(),
                        time);
                    health.Track(elector);
                    await elector.RunAsync(token => LeadAsync(controllers, token), stoppingToken);
                }
                else
                {
                    await LeadAsync(controllers, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down.
            }

            await Task.WhenAll(informerTasks);
        }
        finally
        {
            health.SetRunning(false);
        }
    }

    private async Task LeadAsync(IReadOnlyList<ControllerLoop> controllers, CancellationToken cancellationToken)
    {
        metrics.SetLeader(true);
        try
        {
            var running = controllers.Select(controller => controller.RunAsync(cancellationToken)).ToList();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Leadership lost or shutdown: the controllers stop on the same token.
            }

            await Task.WhenAll(running);
        }
        finally
        {
            metrics.SetLeader(false);
        }
    }

    [LoggerMessage(2001, LogLevel.Information, "{Count} informers synced")]
    private static partial void LogSynced(ILogger logger, int count);
}
