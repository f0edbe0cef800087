package dev.caravan.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Whether a private key is the one of a certificate's public key. RSA and EC keys are compared by the public key
 * they determine, in microseconds: a signature made with the key and verified with the certificate, the check that
 * holds for any key, takes 2 to 3 ms with the JDK's RSA and EC, 30 s of a core at 10,000 TLS Secrets. Other keys
 * (EdDSA) are checked that way.
 */
final class KeyPairs {

    private static final byte[] PROBE = "caravan key check".getBytes(StandardCharsets.US_ASCII);
    /** The curves in BouncyCastle's form, with the multiples of their generator it keeps; a few named curves. */
    private static final Map<String, org.bouncycastle.jce.spec.ECParameterSpec> CURVES = new ConcurrentHashMap<>();
    private static final int MAX_CURVES = 8;

    private KeyPairs() {
    }

    /** @throws IllegalArgumentException for a key of a type Caravan does not serve */
    static boolean match(PrivateKey key, PublicKey certified) {
        if (key instanceof RSAPrivateKey rsa) {
            return certified instanceof RSAPublicKey pair && rsa.getModulus().equals(pair.getModulus())
                    && (!(rsa instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(pair.getPublicExponent()));
        }
        if (key instanceof ECPrivateKey ec) {
            if (!(certified instanceof ECPublicKey pair)) {
                return false;
            }
            ECPoint point = new FixedPointCombMultiplier().multiply(curve(ec.getParams()).getG(), ec.getS()).normalize();
            return point.getAffineXCoord().toBigInteger().equals(pair.getW().getAffineX())
                    && point.getAffineYCoord().toBigInteger().equals(pair.getW().getAffineY());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new IllegalArgumentException("tls.key is a " + key.getAlgorithm()
                    + " key; Caravan serves RSA, EC and EdDSA keys");
        };
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException otherType) {
            return false;
        }
    }

    private static org.bouncycastle.jce.spec.ECParameterSpec curve(ECParameterSpec params) {
        // the JDK's named curves name themselves; their multiples are worth keeping, as most keys are on one curve
        String name = params.toString();
        org.bouncycastle.jce.spec.ECParameterSpec curve = CURVES.get(name);
        if (curve == null) {
            curve = EC5Util.convertSpec(params);
            if (CURVES.size() < MAX_CURVES) {
                CURVES.putIfAbsent(name, curve);
            }
        }
        return curve;
    }
}
