package dev.caravan.upstream;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.testing.TestCertificates;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The intermediates of a pod's chain, counted along its issuers whatever order the pod sent them in. */
class DepthLimitedTrustTest {

    private static final TestCertificates ROOT = new TestCertificates("CN=Pods Root");
    private static final TestCertificates ONE = ROOT.intermediate("CN=Pods Intermediate");
    private static final TestCertificates TWO = ONE.intermediate("CN=Pods Sub-intermediate");
    private static final X509Certificate UNDER_TWO = TWO.issue("pod.internal").certificate();
    private static final X509Certificate STRANGER = new TestCertificates("CN=Stranger").issue("x.internal").certificate();

    private static void check(int depth, X509Certificate... chain) throws Exception {
        new DepthLimitedTrust(List.of(ROOT.ca()), depth).checkServerTrusted(chain, "ECDHE_ECDSA");
    }

    @Test
    void twoIntermediatesNeedDepthTwoInWhateverOrderTheyCome() {
        assertThatThrownBy(() -> check(1, UNDER_TWO, TWO.ca(), ONE.ca())).isInstanceOf(CertificateException.class)
                .hasMessageContaining("2 intermediates from ca.crt, more than proxy-ssl-verify-depth 1");
        // out of order, the upper intermediate first: still two
        assertThatThrownBy(() -> check(1, UNDER_TWO, ONE.ca(), TWO.ca())).isInstanceOf(CertificateException.class)
                .hasMessageContaining("2 intermediates");
        assertThatCode(() -> check(2, UNDER_TWO, ONE.ca(), TWO.ca())).doesNotThrowAnyException();
        // a certificate of no use in the chain, and the root sent along, change nothing
        assertThatCode(() -> check(2, UNDER_TWO, STRANGER, TWO.ca(), ONE.ca(), ROOT.ca())).doesNotThrowAnyException();
        assertThatCode(() -> check(1, ONE.issue("pod.internal").certificate(), ONE.ca(), ROOT.ca()))
                .doesNotThrowAnyException();
        assertThatCode(() -> check(0, ROOT.issue("pod.internal").certificate())).doesNotThrowAnyException();
    }

    @Test
    void whatDoesNotChainToCaCrtIsRefusedBeforeAnyCount() {
        assertThatThrownBy(() -> check(5, STRANGER)).isInstanceOf(CertificateException.class)
                .hasMessageNotContaining("intermediates");
    }
}
