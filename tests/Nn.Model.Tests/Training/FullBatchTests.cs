using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

public sealed class FullBatchTests(ITestOutputHelper output)
{
    [Fact]
    public void LbfgsAndConjugateGradientBeatGradientDescentOnSoftmaxRegression()
    {
        (DataSet<double> train, DataSet<double> test) = ScaledDigits();
        using (train)
        using (test)
        {
            var loss = new CategoricalCrossEntropy();
            var options = new FullBatchOptions { MaxEvaluations = 60, L2 = 1e-2, LearningRate = 1.0 };
            FullBatchResult Run(Func<Network<double>, FullBatchResult> method)
            {
                using var network = new Network<double>(new Sequential(new Dense(64, 10), new Softmax()), new NetworkOptions { Seed = 1 });
                return method(network);
            }
            FullBatchResult gd = Run(n => FullBatch.GradientDescent(n, train, loss, options));
            FullBatchResult lbfgs = Run(n => FullBatch.Lbfgs(n, train, loss, options));
            FullBatchResult cg = Run(n => FullBatch.ConjugateGradient(n, train, loss, options));
            output.WriteLine($"after {options.MaxEvaluations} gradient evaluations: gradient descent (lr 1.0) {gd.FinalCost:F5}, " +
                $"conjugate gradients {cg.FinalCost:F5} ({cg.Iterations} iterations), L-BFGS {lbfgs.FinalCost:F5} ({lbfgs.Iterations} iterations)");
            Assert.True(lbfgs.Evaluations <= options.MaxEvaluations && cg.Evaluations <= options.MaxEvaluations);
            Assert.True(lbfgs.FinalCost < gd.FinalCost, $"L-BFGS {lbfgs.FinalCost} not below gradient descent {gd.FinalCost}");
            Assert.True(cg.FinalCost < gd.FinalCost, $"CG {cg.FinalCost} not below gradient descent {gd.FinalCost}");
        }
    }

    [Fact]
    public void LbfgsConvergesOnASmallConvexProblem()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(60, seed: 2, classes: 3, spread: 3);
        using var network = new Network<double>(new Sequential(new Dense(2, 3), new Softmax()));
        FullBatchResult result = FullBatch.Lbfgs(network, blobs, new CategoricalCrossEntropy(), new FullBatchOptions { L2 = 1, MaxEvaluations = 500, GradientTolerance = 1e-8 });
        Assert.True(result.Converged, $"not converged after {result.Evaluations} evaluations, cost {result.FinalCost}");
        Assert.True(Network<double>.AllFinite(network.Gradients));
    }

    private static (DataSet<double>, DataSet<double>) ScaledDigits()
    {
        using DataSet<double> digits = BuiltInData.Digits<double>();
        (DataSet<double> train, DataSet<double> test) = digits.Split(0.8, 1, stratified: true);
        FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
        scaler.Transform(train);
        scaler.Transform(test);
        return (train, test);
    }
}
