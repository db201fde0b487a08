using Nn.Data;
using Nn.Training;

namespace Nn.Bench;

/// <summary>What the Fashion-MNIST bench commands share: the data scaled as the peers scale it, and an epoch hook.</summary>
internal static class FashionBench
{
    /// <summary>Training and test sets with a per-feature min-max scaler fitted on the training images (as every peer script does).</summary>
    /// <exception cref="InvalidOperationException">Fashion-MNIST is not installed.</exception>
    public static (DataSet<float> Train, DataSet<float> Test) LoadScaled(ScalingKind scaling = ScalingKind.MinMax)
    {
        string directory = FashionMnist.FindDirectory() ?? throw new InvalidOperationException("Fashion-MNIST is not installed (dataset-fashion-mnist).");
        (DataSet<float> train, DataSet<float> test) = FashionMnist.Load<float>(directory);
        FeatureScaler scaler = FeatureScaler.Fit(train, scaling);
        scaler.Transform(train);
        scaler.Transform(test);
        return (train, test);
    }

    /// <summary>A callback that runs an action after every epoch.</summary>
    public sealed class EpochHook(Action<EpochRecord> onEpoch) : TrainingCallback
    {
        public override void OnEpochEnd(EpochRecord epoch) => onEpoch(epoch);
    }
}
