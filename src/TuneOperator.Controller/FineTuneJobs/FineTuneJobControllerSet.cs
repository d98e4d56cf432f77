using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TuneOperator.Api;
using TuneOperator.Controller.Hosting;
using TuneOperator.Controller.Metrics;
using TuneOperator.Controller.Runtime;
using TuneOperator.Controller.Training;

namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// The FineTuneJob controller with its informers: FineTuneJobs and the trainer pods the operator manages (in the
/// watched namespaces, or all), and one <see cref="ControllerLoop"/> fed by both (a pod change wakes its owning job).
/// </summary>
public sealed class FineTuneJobControllerSet : IControllerSet
{
    /// <summary>The label selector of the pods the operator manages.</summary>
    public const string ManagedPodSelector = "app.kubernetes.io/managed-by=tune-operator";

    private readonly FineTuneJobReconciler reconciler;
    private readonly ParentIndex parents = new();

    /// <summary>Creates the informers and the controller.</summary>
    public FineTuneJobControllerSet(
        KubeApiClient client, IOptions<OperatorOptions> options, OperatorMetrics metrics, ILoggerFactory loggerFactory, TimeProvider time)
    {
        var settings = options.Value;
        var jobType = FineTuneJobReconciler.JobType;
        var informerOptions = new ResourceInformerOptions { WatchdogTimeout = settings.WatchdogTimeout };
        var namespaces = settings.Namespaces().Count == 0 ? [null] : settings.Namespaces().Cast<string?>().ToList();
        // The trimmed forms reuse the cached job's name and UID strings (see CachedObjects); the lookup reads the merged
        // job cache, assigned below before any informer runs.
        ResourceCache<FineTuneJob>? jobCache = null;
        FineTuneJob? CachedJob(NamespacedName key) => jobCache?.Get(key);
        var jobInformers = namespaces.Select(ns => new ResourceInformer<FineTuneJob>(
            new KubernetesListWatchClient<FineTuneJob>(client, jobType, ns), "finetunejobs/" + (ns ?? "*"),
            loggerFactory.CreateLogger<ResourceInformer<FineTuneJob>>(), informerOptions, time, job => CachedObjects.TrimJob(job, CachedJob))).ToList();
        var podInformers = namespaces.Select(ns => new ResourceInformer<V1Pod>(
            new KubernetesListWatchClient<V1Pod>(client, ResourceType.Pods, ns, ManagedPodSelector), "pods/" + (ns ?? "*"),
            loggerFactory.CreateLogger<ResourceInformer<V1Pod>>(), informerOptions, time, pod => CachedObjects.TrimPod(pod, CachedJob))).ToList();

        // One cache per kind across namespaces: the handlers mirror each informer's changes into it.
        var jobs = new CombinedCache<FineTuneJob>(jobInformers.Select(i => i.Cache).ToList());
        jobCache = jobs.Primary;
        var pods = new CombinedCache<V1Pod>(podInformers.Select(i => i.Cache).ToList());
        var recorder = new EventRecorder(client, "tune-operator", settings.LeaderElection.Identity, loggerFactory.CreateLogger<EventRecorder>(), time);
        Trainers = new TrainerSupervisor(
            client, metrics, key => Controller!.Enqueue(key),
            new TrainerSupervisorOptions { CheckpointTimeout = settings.CheckpointTimeout },
            loggerFactory.CreateLogger<TrainerSupervisor>(), time);
        reconciler = new FineTuneJobReconciler(
            client, jobs.Primary, pods.Primary, settings.TrainerImage, recorder, metrics, loggerFactory.CreateLogger<FineTuneJobReconciler>(), time,
            Trainers, new FineTuneJobReconcilerOptions { TrainerPort = settings.TrainerPort, StatusInterval = settings.StatusInterval });
        Controller = new ControllerLoop(
            FineTuneJob.KindName, reconciler, settings.Workers, jobs.Primary.Keys, loggerFactory.CreateLogger<ControllerLoop>(), time,
            observer: metrics, queueObserver: metrics.ForQueue("finetunejob"), onStopped: Trainers.StopAllAsync);

        // The jobs-by-phase gauge is counted when Prometheus collects, not on the reconcile path.
        var phases = jobs.Primary;
        metrics.TrackJobsByPhase(() => phases.CountBy(job => (job.Status?.Phase ?? JobPhase.Pending).ToString()));
        var jobEvents = new JobEventHandler(this);
        foreach (var informer in jobInformers)
        {
            informer.AddHandler(jobs.Mirror(informer.Cache, jobEvents));
        }

        var podEvents = new ResourceEventHandler<V1Pod>(EnqueueOwner);
        foreach (var informer in podInformers)
        {
            informer.AddHandler(pods.Mirror(informer.Cache, podEvents));
        }

        Informers = [.. jobInformers, .. podInformers];
        Controllers = [Controller];
    }

    /// <inheritdoc />
    public IReadOnlyList<IResourceInformer> Informers { get; }

    /// <inheritdoc />
    public IReadOnlyList<ControllerLoop> Controllers { get; }

    /// <summary>The trainer sessions of running jobs (stopped with the controller).</summary>
    public TrainerSupervisor Trainers { get; }

    /// <summary>The FineTuneJob controller.</summary>
    public ControllerLoop Controller { get; }

    private void EnqueueOwner(V1Pod pod)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == FineTuneJob.KindName);
        if (owner is not null)
        {
            Controller.Enqueue(new NamespacedName(pod.Metadata.NamespaceProperty, owner.Name));
        }
    }

    // Enqueues a changed job, unless the change is the echo of the reconciler's own settled write, and always the jobs
    // that start from it (spec.model.fromJob), which wait for its status.
    private void Wake(FineTuneJob job, bool self)
    {
        var key = NamespacedName.Of(job);
        if (self)
        {
            Controller.Enqueue(key);
        }

        foreach (var child in parents.ChildrenOf(key))
        {
            Controller.Enqueue(child);
        }
    }

    private sealed class JobEventHandler(FineTuneJobControllerSet set) : IResourceEventHandler<FineTuneJob>
    {
        public void OnAdd(FineTuneJob obj)
        {
            set.reconciler.Observe(obj);
            set.parents.Update(obj);
            set.Wake(obj, self: true);
        }

        public void OnUpdate(FineTuneJob oldObj, FineTuneJob newObj)
        {
            set.reconciler.Observe(newObj);
            set.parents.Update(newObj);
            set.Wake(newObj, self: !set.reconciler.IsOwnSettledWrite(newObj));
        }

        public void OnDelete(FineTuneJob obj)
        {
            set.parents.Remove(obj);
            set.reconciler.Forget(obj);
            set.Wake(obj, self: true);
        }
    }

    /// <summary>With one informer, its cache; with several (one per namespace), a merged copy kept by handlers.</summary>
    private sealed class CombinedCache<T>(IReadOnlyList<ResourceCache<T>> caches)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        public ResourceCache<T> Primary { get; } = caches.Count == 1 ? caches[0] : new ResourceCache<T>();

        public IResourceEventHandler<T> Mirror(ResourceCache<T> source, IResourceEventHandler<T> inner) =>
            ReferenceEquals(source, Primary) ? inner : new MirrorHandler(Primary, inner);

        private sealed class MirrorHandler(ResourceCache<T> target, IResourceEventHandler<T> inner) : IResourceEventHandler<T>
        {
            public void OnAdd(T obj)
            {
                target.Upsert(obj);
                inner.OnAdd(obj);
            }

            public void OnUpdate(T oldObj, T newObj)
            {
                target.Upsert(newObj);
                inner.OnUpdate(oldObj, newObj);
            }

            public void OnDelete(T obj)
            {
                target.Remove(NamespacedName.Of(obj));
                inner.OnDelete(obj);
            }
        }
    }
}
